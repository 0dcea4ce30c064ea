// One frame of a parsed image → stored pixel values, whatever the transfer syntax. Async because the
// JPEG-LS and JPEG 2000 codecs are WASM modules that load on first use; run it in a worker for big
// compressed images (everything here is plain data in, plain data out).
import { decodeJpegBaseline, decodeJpegLossless } from "./codecs/jpeg";
import { decodeRle } from "./codecs/rle";
import { decodeJpeg2000, decodeJpegLs } from "./codecs/wasm-codecs";
import { trimAfterEndMarker } from "./codestream-end";
import { toInterleavedRgb } from "./color";
import { DicomDecodeError, DicomParseError, UnsupportedImageError, UnsupportedTransferSyntaxError } from "./errors";
import { assertGrayscale, frameByteLength, grayscaleFrame, readNativeFrame } from "./native-pixels";
import { lookupTransferSyntax } from "./transfer-syntax";
import type { DecodedFrame, DicomImageInfo } from "./types";

export async function decodePixels(info: DicomImageInfo, frameIndex = 0): Promise<DecodedFrame> {
  const ref = info.pixelData;
  if (!ref) throw new DicomParseError("This DICOM file has no pixel data.");
  if (!Number.isInteger(frameIndex) || frameIndex < 0 || frameIndex >= info.numberOfFrames) {
    throw new RangeError(`Frame ${frameIndex} does not exist; the image has ${info.numberOfFrames} frame(s).`);
  }
  const syntax = lookupTransferSyntax(info.transferSyntaxUID);
  if (syntax.encoding === "unsupported") throw new UnsupportedTransferSyntaxError(syntax.uid, syntax.name);
  if (info.bitsAllocated !== 8 && info.bitsAllocated !== 16) {
    throw new UnsupportedImageError(`The viewer shows 8- and 16-bit images; this one has ${info.bitsAllocated} bits per sample.`);
  }

  if (!ref.encapsulated) {
    const length = frameByteLength(info);
    return readNativeFrame(ref.bytes.subarray(frameIndex * length, (frameIndex + 1) * length), info, ref.bigEndian);
  }
  const data = encapsulatedFrame(ref.frames[frameIndex] ?? [], syntax.encoding !== "rle" && syntax.encoding !== "encapsulated-uncompressed");
  const pixelCount = info.rows * info.columns;

  switch (syntax.encoding) {
    case "encapsulated-uncompressed":
      if (data.length < frameByteLength(info)) throw new DicomDecodeError("The pixel data of this frame is cut short.");
      return readNativeFrame(data, info, false);
    case "rle": {
      const raw = decodeRle(data, {
        rows: info.rows,
        columns: info.columns,
        samplesPerPixel: info.samplesPerPixel,
        bytesPerSample: info.bitsAllocated / 8,
      });
      return readNativeFrame(raw, { ...info, planarConfiguration: 0 }, false);
    }
    case "jpeg-baseline": {
      const image = decodeJpegBaseline(data);
      checkSize(info, image.width, image.height);
      // jpeg-js has already turned YCbCr into RGB.
      if (image.components === 3) return rgbFrame(info, image.samples as Uint8Array, "RGB");
      return fromCodecSamples(info, image.samples);
    }
    case "jpeg-lossless": {
      const samples = decodeJpegLossless(data, info.bitsAllocated / 8);
      if (samples.length === pixelCount * 3) return rgbFrame(info, toBytes(samples), info.photometricInterpretation);
      if (samples.length !== pixelCount) throw new DicomDecodeError("The JPEG Lossless image does not have the size its header states.");
      return fromCodecSamples(info, samples);
    }
    case "jpeg-ls":
    case "jpeg-2000": {
      const image = syntax.encoding === "jpeg-ls" ? await decodeJpegLs(data) : await decodeJpeg2000(data);
      checkSize(info, image.width, image.height);
      const samples = image.bitsPerSample > 8 ? new Uint16Array(image.bytes.buffer, image.bytes.byteOffset, image.bytes.length / 2) : image.bytes;
      if (image.components === 3) return rgbFrame(info, toBytes(samples), info.photometricInterpretation);
      return fromCodecSamples(info, samples, image.isSigned);
    }
    default:
      throw new UnsupportedTransferSyntaxError(syntax.uid, syntax.name);
  }
}

/** One frame's fragments as one buffer; `codestream`: cut after its end marker (JPEG family). */
export function encapsulatedFrame(fragments: Uint8Array[], codestream: boolean): Uint8Array {
  const whole = fragments.length === 1 ? fragments[0]! : concat(fragments);
  return codestream ? trimAfterEndMarker(whole) : whole;
}

function checkSize(info: DicomImageInfo, width: number, height: number) {
  if (width !== info.columns || height !== info.rows) {
    throw new DicomDecodeError(`The compressed image is ${width}×${height} but the header says ${info.columns}×${info.rows}.`);
  }
}

/**
 * Codecs hand back unsigned words. Signed images are reinterpreted as two's complement at the word
 * width, as cornerstone and pydicom do: codecs encode the stored bit pattern, not a BitsStored-wide one.
 */
function fromCodecSamples(info: DicomImageInfo, samples: Uint8Array | Uint16Array, codecSigned = false): DecodedFrame {
  assertGrayscale(info);
  if (info.pixelRepresentation === 1 || codecSigned) {
    const signed =
      samples instanceof Uint16Array
        ? new Int16Array(samples.buffer, samples.byteOffset, samples.length)
        : new Int8Array(samples.buffer, samples.byteOffset, samples.length);
    return grayscaleFrame(info, signed);
  }
  return grayscaleFrame(info, samples);
}

function rgbFrame(info: DicomImageInfo, bytes: Uint8Array, photometric: string): DecodedFrame {
  if (info.samplesPerPixel !== 3) throw new DicomDecodeError("The compressed image is colour but the header says grayscale.");
  return { kind: "rgb", rows: info.rows, columns: info.columns, pixels: toInterleavedRgb(bytes, info.rows * info.columns, photometric, 0) };
}

/** 16-bit colour samples are shown at 8 bits per channel. */
function toBytes(samples: Uint8Array | Uint16Array): Uint8Array {
  if (samples instanceof Uint8Array) return samples;
  let max = 0;
  for (let i = 0; i < samples.length; i++) if (samples[i]! > max) max = samples[i]!;
  const shift = Math.max(0, Math.ceil(Math.log2(max + 1)) - 8);
  return Uint8Array.from(samples, (v) => v >> shift);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
