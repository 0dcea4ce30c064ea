// RLE Lossless (PS3.5 Annex G): a 64-byte header of segment offsets, then one PackBits segment per
// byte plane — for each sample, most significant byte first. No package decodes it standalone, and
// it is short enough to own.
import { DicomDecodeError } from "../errors";

export type RleLayout = { rows: number; columns: number; samplesPerPixel: number; bytesPerSample: number };

/**
 * Returns the frame as native little-endian bytes, colour-by-pixel (RGBRGB…), which is what the
 * uncompressed path reads.
 */
export function decodeRle(frame: Uint8Array, layout: RleLayout): Uint8Array {
  const { rows, columns, samplesPerPixel, bytesPerSample } = layout;
  const pixels = rows * columns;
  const expectedSegments = samplesPerPixel * bytesPerSample;
  if (frame.length < 64) throw new DicomDecodeError("The RLE pixel data is shorter than its header.");
  const header = new DataView(frame.buffer, frame.byteOffset, 64);
  const segmentCount = header.getUint32(0, true);
  if (segmentCount !== expectedSegments) {
    throw new DicomDecodeError(`The RLE pixel data has ${segmentCount} segments where the image needs ${expectedSegments}.`);
  }
  const out = new Uint8Array(pixels * expectedSegments);
  const stride = expectedSegments;
  for (let s = 0; s < segmentCount; s++) {
    const start = header.getUint32(4 + 4 * s, true);
    const end = s + 1 < segmentCount ? header.getUint32(8 + 4 * s, true) : frame.length;
    if (start < 64 || start > end || end > frame.length) {
      throw new DicomDecodeError("The RLE pixel data has a segment outside the frame; the file is damaged.");
    }
    const sample = Math.floor(s / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample);
    const written = unpackBits(frame, start, end, out, sample * bytesPerSample + byteInSample, stride, pixels);
    if (written < pixels) {
      throw new DicomDecodeError("The RLE pixel data ends before the image is complete; the file is damaged.");
    }
  }
  return out;
}

/** PackBits into out[offset + i*stride]; stops at `count` bytes. Returns how many were written. */
function unpackBits(src: Uint8Array, start: number, end: number, out: Uint8Array, offset: number, stride: number, count: number) {
  let i = start;
  let n = 0;
  while (i < end && n < count) {
    const control = src[i++]!;
    if (control < 128) {
      const length = Math.min(control + 1, end - i, count - n);
      for (let k = 0; k < length; k++) out[offset + (n++) * stride] = src[i++]!;
    } else if (control > 128) {
      if (i >= end) break;
      const value = src[i++]!;
      const length = Math.min(257 - control, count - n);
      for (let k = 0; k < length; k++) out[offset + (n++) * stride] = value;
    }
    // 128 (−128) is a no-op by definition.
  }
  return n;
}
