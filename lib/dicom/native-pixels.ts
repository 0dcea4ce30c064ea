// Uncompressed frames → stored values. BitsStored/HighBit say which bits of each BitsAllocated-wide
// word are the pixel (PS3.5 8.1.1); the rest may hold overlays or garbage and must be masked off.
import { UnsupportedImageError } from "./errors";
import { toInterleavedRgb } from "./color";
import type { DecodedFrame, DicomImageInfo, GrayscalePixels } from "./types";

export function frameByteLength(info: DicomImageInfo): number {
  return Math.ceil((info.rows * info.columns * info.samplesPerPixel * info.bitsAllocated) / 8);
}

/** `raw` is exactly one frame in the file's byte order. */
export function readNativeFrame(raw: Uint8Array, info: DicomImageInfo, bigEndian: boolean): DecodedFrame {
  if (info.samplesPerPixel === 3) return readColorFrame(raw, info, bigEndian);
  assertGrayscale(info);
  const { rows, columns } = info;
  const count = rows * columns;
  const shift = Math.max(0, info.highBit + 1 - info.bitsStored);
  const bits = Math.min(info.bitsStored, info.bitsAllocated);
  const mask = bits >= 32 ? 0xffffffff : 2 ** bits - 1;
  const signBit = 2 ** (bits - 1);
  const signed = info.pixelRepresentation === 1;
  let pixels: GrayscalePixels;
  if (info.bitsAllocated === 8) {
    pixels = signed ? new Int8Array(count) : new Uint8Array(count);
    if (!signed && bits === 8) pixels.set(raw.subarray(0, count));
    else for (let i = 0; i < count; i++) pixels[i] = extend((raw[i]! >> shift) & mask, signed, signBit, mask);
  } else if (info.bitsAllocated === 16) {
    if (!signed && !bigEndian && HOST_LITTLE_ENDIAN) return unsignedLittleEndian16(raw, info, shift, mask);
    pixels = signed ? new Int16Array(count) : new Uint16Array(count);
    const hi = bigEndian ? 0 : 1;
    const lo = 1 - hi;
    if (!signed && bits === 16) {
      for (let i = 0, j = 0; i < count; i++, j += 2) pixels[i] = (raw[j + hi]! << 8) | raw[j + lo]!;
    } else if (!signed) {
      for (let i = 0, j = 0; i < count; i++, j += 2) pixels[i] = (((raw[j + hi]! << 8) | raw[j + lo]!) >> shift) & mask;
    } else {
      for (let i = 0, j = 0; i < count; i++, j += 2) {
        const v = (((raw[j + hi]! << 8) | raw[j + lo]!) >> shift) & mask;
        pixels[i] = v & signBit ? v - mask - 1 : v;
      }
    }
  } else {
    throw new UnsupportedImageError(`The viewer shows 8- and 16-bit grayscale images; this one has ${info.bitsAllocated} bits per pixel.`);
  }
  return grayscaleFrame(info, pixels);
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The common case (every MIMIC-CXR DICOM): unsigned 16-bit words in the file's and the machine's byte
 * order. One bulk copy, then masking and the value range in a single pass: a MIMIC-sized frame is
 * 7.8 million pixels, and this is on the way to the first pixel on screen.
 */
function unsignedLittleEndian16(raw: Uint8Array, info: DicomImageInfo, shift: number, mask: number): DecodedFrame {
  const count = info.rows * info.columns;
  const words = new Uint16Array(count);
  new Uint8Array(words.buffer).set(raw.subarray(0, count * 2));
  let min = 0xffff;
  let max = 0;
  if (shift === 0 && mask === 0xffff) {
    for (let i = 0; i < count; i++) {
      const v = words[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  } else {
    for (let i = 0; i < count; i++) {
      const v = (words[i]! >> shift) & mask;
      words[i] = v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (count === 0) min = max = 0;
  return { kind: "grayscale", rows: info.rows, columns: info.columns, pixels: words, minStored: min, maxStored: max };
}

function extend(v: number, signed: boolean, signBit: number, mask: number) {
  return signed && v & signBit ? v - mask - 1 : v;
}

export function assertGrayscale(info: DicomImageInfo): void {
  const pi = info.photometricInterpretation;
  if (info.samplesPerPixel !== 1 || (pi !== "MONOCHROME1" && pi !== "MONOCHROME2")) {
    throw new UnsupportedImageError(
      `The viewer cannot display ${pi} images with ${info.samplesPerPixel} sample(s) per pixel.`,
    );
  }
}

export function grayscaleFrame(info: DicomImageInfo, pixels: GrayscalePixels): DecodedFrame {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (pixels.length === 0) min = max = 0;
  return { kind: "grayscale", rows: info.rows, columns: info.columns, pixels, minStored: min, maxStored: max };
}

function readColorFrame(raw: Uint8Array, info: DicomImageInfo, bigEndian: boolean): DecodedFrame {
  const count = info.rows * info.columns;
  let bytes: Uint8Array;
  if (info.bitsAllocated === 8) {
    bytes = raw;
  } else if (info.bitsAllocated === 16) {
    // Colour is shown at 8 bits per channel: keep each sample's top stored bits.
    const shift = Math.max(0, info.bitsStored - 8);
    bytes = new Uint8Array(count * 3);
    const hi = bigEndian ? 0 : 1;
    for (let i = 0; i < count * 3; i++) bytes[i] = Math.min(255, ((raw[2 * i + hi]! << 8) | raw[2 * i + 1 - hi]!) >> shift);
  } else {
    throw new UnsupportedImageError(`The viewer cannot display colour images with ${info.bitsAllocated} bits per sample.`);
  }
  return {
    kind: "rgb",
    rows: info.rows,
    columns: info.columns,
    pixels: toInterleavedRgb(bytes, count, info.photometricInterpretation, info.planarConfiguration),
  };
}
