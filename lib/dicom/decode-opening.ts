// JPEG 2000 is multi-resolution: the codestream holds the image at 1/2, 1/4, … of its size, and
// OpenJPEG decodes such a level for a fraction of the full decode's work (1760² CR: ~45 ms at 1/4,
// ~200 ms at 1/2, ~700 ms full, warm, in Node). The viewer paints that level fitted first, as a
// stand-in (like the route's preview picture of an uncompressed file), and the exact full-resolution
// draw replaces it when the full decode is done.
import { decodeJpeg2000 } from "./codecs/wasm-codecs";
import { encapsulatedFrame } from "./decode";
import { grayscaleFrame } from "./native-pixels";
import { lookupTransferSyntax } from "./transfer-syntax";
import type { DecodedFrame, DicomImageInfo, PixelSpacing } from "./types";

/** A lower-resolution picture of frame 1: `factor` stored pixels of the full image per side of one of its pixels. */
export type OpeningFrame = { info: DicomImageInfo; frame: DecodedFrame; factor: number };

/**
 * A stand-in may be drawn up to 2× enlarged: for a radiograph fitted at 0.29 (1760² in 512 px) that
 * is the 1/4 level (440², ~45 ms) instead of the 1/2 level (880², ~200 ms), and the stand-in is on
 * screen only until the full decode is done.
 */
export const OPENING_STORED_PER_SCREEN_PIXEL = 0.5;

/**
 * Frame 1 of a grayscale JPEG 2000 file at the coarsest resolution level that still has `perScreenPixel`
 * stored pixels per screen pixel when fitted into `box`; null when the file is not JPEG 2000, is
 * colour, or has no such level (small image, or a codestream without enough wavelet levels).
 */
export async function decodeOpeningFrame(info: DicomImageInfo, box: { width: number; height: number }, perScreenPixel = OPENING_STORED_PER_SCREEN_PIXEL): Promise<OpeningFrame | null> {
  const ref = info.pixelData;
  if (!ref?.encapsulated || lookupTransferSyntax(info.transferSyntaxUID).encoding !== "jpeg-2000") return null;
  const pi = info.photometricInterpretation;
  if (info.samplesPerPixel !== 1 || (pi !== "MONOCHROME1" && pi !== "MONOCHROME2") || box.width < 1 || box.height < 1) return null;
  const data = encapsulatedFrame(ref.frames[0] ?? [], true);
  const fit = Math.min(box.width / info.columns, box.height / info.rows) * perScreenPixel;
  const level = Math.min(Math.floor(Math.log2(1 / fit)), decompositionLevels(data) ?? 0);
  if (!(level >= 1)) return null;
  const image = await decodeJpeg2000(data, { reduce: level });
  if (image.components !== 1) return null;
  const factor = 2 ** level;
  // A level's size is the full size divided by 2^level, rounded up (ISO 15444-1 B.5).
  if (image.width !== Math.ceil(info.columns / factor) || image.height !== Math.ceil(info.rows / factor)) return null;
  const samples = image.bitsPerSample > 8 ? new Uint16Array(image.bytes.buffer, image.bytes.byteOffset, image.bytes.length / 2) : image.bytes;
  const signed = info.pixelRepresentation === 1 || image.isSigned;
  const pixels = !signed ? samples : samples instanceof Uint16Array ? new Int16Array(samples.buffer, samples.byteOffset, samples.length) : new Int8Array(samples.buffer, samples.byteOffset, samples.length);
  const reducedInfo: DicomImageInfo = { ...info, rows: image.height, columns: image.width, pixelSpacing: scaled(info.pixelSpacing, factor), imagerPixelSpacing: scaled(info.imagerPixelSpacing, factor), pixelData: null };
  return { info: reducedInfo, frame: grayscaleFrame(reducedInfo, pixels), factor };
}

const scaled = (s: PixelSpacing | null, f: number) => (s ? { row: s.row * f, column: s.column * f } : null);

/**
 * The number of wavelet levels in the codestream's main header (COD, ISO 15444-1 A.6.1): a decode
 * can be reduced by at most that many. Null when the header cannot be read.
 */
export function decompositionLevels(codestream: Uint8Array): number | null {
  if (codestream[0] !== 0xff || codestream[1] !== 0x4f) return null; // SOC
  let at = 2;
  while (at + 4 <= codestream.length && codestream[at] === 0xff) {
    const marker = codestream[at + 1]!;
    const length = (codestream[at + 2]! << 8) | codestream[at + 3]!;
    // COD: Lcod(2) Scod(1) SGcod(4: progression, layers ×2, MCT) then SPcod's decomposition levels.
    if (marker === 0x52) return at + 9 < codestream.length ? codestream[at + 9]! : null;
    if (marker === 0x90 || length < 2) return null; // SOT: the main header ended without a COD
    at += 2 + length;
  }
  return null;
}
