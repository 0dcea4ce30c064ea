// Modality and VOI transforms (PS3.3 C.11.1 and C.11.2). Values are mapped to [0, 1]; render.ts turns
// that into 8 bits. Kept apart from rendering so the viewer's "value under the cursor" and the
// cornerstone adapter use the same arithmetic.
import type { DecodedFrame, DicomImageInfo, LookupTable, VoiLutFunction, WindowPreset } from "./types";

export type Voi =
  | { kind: "window"; center: number; width: number; fn: VoiLutFunction }
  | { kind: "lut"; lut: LookupTable };

export function lookup(lut: LookupTable, value: number): number {
  const index = Math.round(value) - lut.firstValueMapped;
  const data = lut.data;
  return data[index < 0 ? 0 : index >= data.length ? data.length - 1 : index]!;
}

/** Stored value → modality value (e.g. Hounsfield units): the Modality LUT if any, else rescale. */
export function modalityValue(info: DicomImageInfo, stored: number): number {
  if (info.modalityLut) return lookup(info.modalityLut, stored);
  return stored * info.rescaleSlope + info.rescaleIntercept;
}

/** Smallest and largest modality value of a grayscale frame. */
export function modalityRange(info: DicomImageInfo, frame: Extract<DecodedFrame, { kind: "grayscale" }>): { min: number; max: number } {
  if (info.modalityLut) {
    let min = Infinity;
    let max = -Infinity;
    for (let v = frame.minStored; v <= frame.maxStored; v++) {
      const m = lookup(info.modalityLut, v);
      if (m < min) min = m;
      if (m > max) max = m;
    }
    return { min, max };
  }
  const a = modalityValue(info, frame.minStored);
  const b = modalityValue(info, frame.maxStored);
  return { min: Math.min(a, b), max: Math.max(a, b) };
}

/**
 * A LINEAR window spanning exactly min…max: with width = max − min + 1 and centre = (min + max + 1) / 2
 * the DICOM formula maps min to 0 and max to 1.
 */
export function fullRangeWindow(range: { min: number; max: number }): WindowPreset {
  return { center: (range.min + range.max + 1) / 2, width: Math.max(1, range.max - range.min + 1), explanation: "Full range" };
}

/** The VOI shown on opening: the first VOI LUT, else the first window, else the frame's full range. */
export function defaultVoi(info: DicomImageInfo, frame: Extract<DecodedFrame, { kind: "grayscale" }>): Voi {
  const lut = info.voiLuts[0];
  if (lut) return { kind: "lut", lut };
  const window = info.windows[0] ?? fullRangeWindow(modalityRange(info, frame));
  return { kind: "window", center: window.center, width: window.width, fn: info.windows[0] ? info.voiLutFunction : "LINEAR" };
}

/** The header's windows (with their explanations), then the full range, for a preset menu. */
export function windowPresets(info: DicomImageInfo, frame: Extract<DecodedFrame, { kind: "grayscale" }>): WindowPreset[] {
  return [...info.windows, fullRangeWindow(modalityRange(info, frame))];
}

/** Modality value → [0, 1] under a window, per PS3.3 C.11.2.1.2.1 (LINEAR), .3.1 (LINEAR_EXACT), .3.2 (SIGMOID). */
export function applyWindow(x: number, center: number, width: number, fn: VoiLutFunction): number {
  switch (fn) {
    case "LINEAR_EXACT": {
      if (width <= 0) return x <= center ? 0 : 1;
      if (x <= center - width / 2) return 0;
      if (x > center + width / 2) return 1;
      return (x - center) / width + 0.5;
    }
    case "SIGMOID":
      if (width <= 0) return x <= center ? 0 : 1;
      return 1 / (1 + Math.exp((-4 * (x - center)) / width));
    default: {
      const w = Math.max(1, width);
      if (x <= center - 0.5 - (w - 1) / 2) return 0;
      if (x > center - 0.5 + (w - 1) / 2) return 1;
      return (x - (center - 0.5)) / (w - 1) + 0.5;
    }
  }
}

export function applyVoi(x: number, voi: Voi): number {
  if (voi.kind === "window") return applyWindow(x, voi.center, voi.width, voi.fn);
  const max = 2 ** voi.lut.bitsPerEntry - 1;
  return Math.min(1, lookup(voi.lut, x) / max);
}
