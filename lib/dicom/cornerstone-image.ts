// Our decoded frame as the image object cornerstone-core 2.x renders (the shape its WADO image loader
// builds). Pure: no cornerstone import, so it is testable in Node and usable from a worker's result.
import { defaultVoi, modalityRange } from "./voi";
import type { DecodedFrame, DicomImageInfo, LookupTable } from "./types";

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
  // cornerstone needs a window even when a VOI LUT drives the display (its W/L tool starts from it).
  const window = info.windows[0] ?? fullRange(info, frame);
  const pixels = frame.pixels;
  return {
    ...base,
    minPixelValue: frame.minStored,
    maxPixelValue: frame.maxStored,
    slope: info.rescaleSlope,
    intercept: info.rescaleIntercept,
    windowCenter: window.center,
    windowWidth: window.width,
    getPixelData: () => pixels,
    color: false,
    rgba: false,
    invert: info.photometricInterpretation === "MONOCHROME1",
    sizeInBytes: pixels.byteLength,
    modalityLUT: info.modalityLut ? toCornerstoneLut("modality", info.modalityLut) : undefined,
    voiLUT: voi.kind === "lut" ? toCornerstoneLut("voi", voi.lut) : undefined,
  };
}

/** cornerstone's own fallback: centre and width spanning the modality values (its W/L is LINEAR_EXACT-like). */
function fullRange(info: DicomImageInfo, frame: Extract<DecodedFrame, { kind: "grayscale" }>) {
  const { min, max } = modalityRange(info, frame);
  return { center: (min + max) / 2, width: Math.max(1, max - min) };
}

function toCornerstoneLut(id: string, table: LookupTable): CornerstoneLut {
  return { id, firstValueMapped: table.firstValueMapped, numBitsPerEntry: table.bitsPerEntry, lut: Array.from(table.data) };
}
