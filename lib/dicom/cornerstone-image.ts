// Our decoded frame as the image object cornerstone-core 2.x renders (the shape its WADO image loader
// builds). Pure: no cornerstone import, so it is testable in Node and usable from a worker's result.
//
// Grayscale is drawn through a VOI LUT of our own making, not cornerstone's window formula
// (((x − c) / w + 0.5) · 255, which is not DICOM's and differs by up to ~25 gray levels at narrow
// windows): the table maps every stored value straight to the display byte that lib/dicom/render.ts
// gives (modality transform, LINEAR / LINEAR_EXACT / SIGMOID or the VOI LUT Sequence, rounding), so
// the screen, the preview and the thumbnails agree exactly. Cornerstone only inverts (MONOCHROME1).
import { buildVoiTable } from "./render";
import { defaultVoi, fullRangeWindow, modalityRange, type Voi } from "./voi";
import type { DecodedFrame, DicomImageInfo } from "./types";

/** cornerstone's LUT shape for modalityLUT / voiLUT. */
export type CornerstoneLut = { id: string; firstValueMapped: number; numBitsPerEntry: number; lut: number[] };

export type CornerstoneImage = {
  imageId: string;
  minPixelValue: number;
  maxPixelValue: number;
  slope: number;
  intercept: number;
  windowCenter: number;
  windowWidth: number;
  getPixelData: () => Uint8Array | Int8Array | Uint16Array | Int16Array;
  rows: number;
  columns: number;
  height: number;
  width: number;
  color: boolean;
  /** Colour pixel data is RGBA; cornerstone ignores its alpha unless this is true. */
  rgba: boolean;
  columnPixelSpacing: number | undefined;
  rowPixelSpacing: number | undefined;
  /** MONOCHROME1: cornerstone draws low values white. */
  invert: boolean;
  sizeInBytes: number;
  modalityLUT: CornerstoneLut | undefined;
  voiLUT: CornerstoneLut | undefined;
};

export function createCornerstoneImage(imageId: string, info: DicomImageInfo, frame: DecodedFrame): CornerstoneImage {
  const spacing = info.pixelSpacing ?? info.imagerPixelSpacing;
  const base = {
    imageId,
    rows: frame.rows,
    columns: frame.columns,
    height: frame.rows,
    width: frame.columns,
    columnPixelSpacing: spacing?.column,
    rowPixelSpacing: spacing?.row,
  };
  if (frame.kind === "rgb") {
    const rgba = new Uint8Array(frame.rows * frame.columns * 4);
    for (let i = 0, j = 0; j < rgba.length; i += 3, j += 4) {
      rgba[j] = frame.pixels[i]!;
      rgba[j + 1] = frame.pixels[i + 1]!;
      rgba[j + 2] = frame.pixels[i + 2]!;
      rgba[j + 3] = 255;
    }
    return {
      ...base,
      minPixelValue: 0,
      maxPixelValue: 255,
      slope: 1,
      intercept: 0,
      windowCenter: 127.5,
      windowWidth: 256,
      getPixelData: () => rgba,
      color: true,
      rgba: false,
      invert: false,
      sizeInBytes: rgba.byteLength,
      modalityLUT: undefined,
      voiLUT: undefined,
    };
  }
  const voi = defaultVoi(info, frame);
  // The status line and the window drag start from a window even when a VOI LUT drives the display.
  const window = voi.kind === "window" ? voi : (info.windows[0] ?? fullRangeWindow(modalityRange(info, frame)));
  const pixels = frame.pixels;
  return {
    ...base,
    minPixelValue: frame.minStored,
    maxPixelValue: frame.maxStored,
    // The display table below already holds the modality transform: cornerstone must look it up
    // with the stored value itself (with a fractional slope it would round modality values first).
    slope: 1,
    intercept: 0,
    windowCenter: window.center,
    windowWidth: window.width,
    getPixelData: () => pixels,
    color: false,
    rgba: false,
    invert: info.photometricInterpretation === "MONOCHROME1",
    sizeInBytes: pixels.byteLength,
    modalityLUT: undefined,
    voiLUT: displayLut(info, frame, voi),
  };
}

/** The VOI of a window chosen in the viewer: the header's VOI LUT Function, LINEAR for a file without windows (as defaultVoi). */
export function windowVoi(info: DicomImageInfo, center: number, width: number): Extract<Voi, { kind: "window" }> {
  return { kind: "window", center, width, fn: info.windows.length ? info.voiLutFunction : "LINEAR" };
}

/**
 * The display table as cornerstone's voiLUT, indexed by stored value from minStored. Cornerstone
 * shifts entries right by (bit length of the largest entry − 8); one trailing 255, past the largest
 * stored value and so never looked up, pins that shift at 0 whatever the window.
 */
export function displayLut(info: DicomImageInfo, frame: Extract<DecodedFrame, { kind: "grayscale" }>, voi: Voi): CornerstoneLut {
  const table = buildVoiTable(info, frame, voi);
  const lut = new Array<number>(table.length + 1);
  for (let i = 0; i < table.length; i++) lut[i] = table[i]!;
  lut[table.length] = 255;
  // Cornerstone reuses its cached table while the id stays the same.
  const what = voi.kind === "window" ? `window ${voi.center} ${voi.width} ${voi.fn}` : `lut ${info.voiLuts.indexOf(voi.lut)}`;
  return { id: `display ${frame.minStored}..${frame.maxStored} ${what}`, firstValueMapped: frame.minStored, numBitsPerEntry: 8, lut };
}
