// Decoded frame → RGBA bytes for a canvas (ImageData). Grayscale goes through a table built once per
// render over the frame's stored-value range, so a window/level drag costs one lookup per pixel.
import { applyVoi, defaultVoi, modalityValue, type Voi } from "./voi";
import type { DecodedFrame, DicomImageInfo, VoiLutFunction } from "./types";

export type RenderOptions = {
  /** Both or neither; without them the default VOI (see defaultVoi) is used. */
  windowCenter?: number;
  windowWidth?: number;
  /** Defaults to the header's VOI LUT Function. */
  voiLutFunction?: VoiLutFunction;
  /** Use this VOI LUT Sequence item instead of a window. */
  voiLutIndex?: number;
  /**
   * Flip the default presentation (the viewer's Invert tool). MONOCHROME1 is already shown with low
   * values white; `invert: true` shows it the other way round.
   */
  invert?: boolean;
};

export function resolveVoi(info: DicomImageInfo, frame: Extract<DecodedFrame, { kind: "grayscale" }>, options: RenderOptions): Voi {
  const lut = options.voiLutIndex !== undefined ? info.voiLuts[options.voiLutIndex] : undefined;
  if (lut) return { kind: "lut", lut };
  if (options.windowCenter !== undefined && options.windowWidth !== undefined) {
    return { kind: "window", center: options.windowCenter, width: options.windowWidth, fn: options.voiLutFunction ?? info.voiLutFunction };
  }
  return defaultVoi(info, frame);
}

/**
 * Stored value → display byte before any inversion, for every stored value from minStored to
 * maxStored: the modality transform, then the VOI, then 8 bits. The one formula behind the preview,
 * the thumbnails and the viewer's screen (cornerstone draws through it, lib/dicom/cornerstone-image.ts).
 */
export function buildVoiTable(info: DicomImageInfo, frame: Extract<DecodedFrame, { kind: "grayscale" }>, voi: Voi): Uint8Array {
  const table = new Uint8Array(frame.maxStored - frame.minStored + 1);
  for (let i = 0; i < table.length; i++) table[i] = Math.round(applyVoi(modalityValue(info, frame.minStored + i), voi) * 255);
  return table;
}

/** Stored value → display byte, for every stored value the frame holds. */
export function buildDisplayLut(info: DicomImageInfo, frame: Extract<DecodedFrame, { kind: "grayscale" }>, options: RenderOptions = {}): Uint8Array {
  const table = buildVoiTable(info, frame, resolveVoi(info, frame, options));
  const inverted = (info.photometricInterpretation === "MONOCHROME1") !== (options.invert ?? false);
  if (inverted) for (let i = 0; i < table.length; i++) table[i] = 255 - table[i]!;
  return table;
}

export function renderToRgba(info: DicomImageInfo, frame: DecodedFrame, options: RenderOptions = {}): Uint8ClampedArray {
  const count = frame.rows * frame.columns;
  const out = new Uint8ClampedArray(count * 4);
  if (frame.kind === "rgb") {
    renderRgb(frame.pixels, out, options);
    return out;
  }
  const table = buildDisplayLut(info, frame, options);
  const pixels = frame.pixels;
  const offset = frame.minStored;
  for (let i = 0, j = 0; i < count; i++, j += 4) {
    const v = table[pixels[i]! - offset]!;
    out[j] = v;
    out[j + 1] = v;
    out[j + 2] = v;
    out[j + 3] = 255;
  }
  return out;
}

/** Colour is shown as stored; a window given explicitly applies to each channel, as cornerstone does. */
function renderRgb(rgb: Uint8Array, out: Uint8ClampedArray, options: RenderOptions) {
  const table = new Uint8Array(256);
  const windowed = options.windowCenter !== undefined && options.windowWidth !== undefined;
  for (let v = 0; v < 256; v++) {
    const y = windowed ? Math.round(applyVoi(v, { kind: "window", center: options.windowCenter!, width: options.windowWidth!, fn: "LINEAR" }) * 255) : v;
    table[v] = options.invert ? 255 - y : y;
  }
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    out[j] = table[rgb[i]!]!;
    out[j + 1] = table[rgb[i + 1]!]!;
    out[j + 2] = table[rgb[i + 2]!]!;
    out[j + 3] = 255;
  }
}
