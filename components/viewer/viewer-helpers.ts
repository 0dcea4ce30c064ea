// Small pure pieces of the viewer: presets, drag steps, number formatting, error text.
import { DicomError } from "@/lib/dicom/errors";
import { modalityRange, modalityValue, windowPresets } from "@/lib/dicom/voi";
import type { LabgateImage } from "./labgate-image-loader";
import type { Preset } from "./viewer-toolbar";

export function presetsOf(image: LabgateImage): Preset[] {
  const { info, frame } = image.labgate;
  if (frame.kind !== "grayscale") return [];
  return windowPresets(info, frame).map((w, i) => ({
    label: `${w.explanation ?? (i < info.windows.length ? `Header window ${i + 1}` : "Full range")} (C ${round(w.center)} / W ${round(w.width)})`,
    center: w.center,
    width: w.width,
  }));
}

/** One screen pixel of drag moves the window by about 1/500 of the image's value range. */
export function windowStep(image: LabgateImage): number {
  const { info, frame } = image.labgate;
  if (frame.kind === "rgb") return 0.5;
  // In modality units (the window's own), not stored values: cornerstone's image carries no rescale.
  const { min, max } = modalityRange(info, frame);
  return Math.max((max - min) / 500, 0.1);
}

export function clampScale(s: number): number {
  return Math.min(40, Math.max(0.02, s));
}

export function round(n: number): string {
  return String(Math.round(n * 100) / 100);
}

/** "(col, row) raw 123 → 4.5 HU": the stored value and, when a rescale or unit applies, the modality value. */
export function probeText(image: LabgateImage, col: number, row: number): string | null {
  const { info, frame } = image.labgate;
  if (col < 0 || row < 0 || col >= frame.columns || row >= frame.rows) return null;
  const i = row * frame.columns + col;
  if (frame.kind === "rgb") return `(${col}, ${row}) RGB ${frame.pixels[i * 3]}, ${frame.pixels[i * 3 + 1]}, ${frame.pixels[i * 3 + 2]}`;
  const stored = frame.pixels[i]!;
  const value = modalityValue(info, stored);
  const unit = info.rescaleType ?? (info.modality === "CT" ? "HU" : null);
  return `(${col}, ${row}) raw ${stored}${value !== stored || unit ? ` → ${round(value)}${unit ? ` ${unit}` : ""}` : ""}`;
}

export function describeFailure(e: unknown): string {
  if (e instanceof DicomError) return e.message;
  if (e instanceof Error && (e.name === "ImageFetchError" || e.message.startsWith("This JPG"))) return e.message;
  return `The image could not be shown (${e instanceof Error ? e.message : String(e)}).`;
}
