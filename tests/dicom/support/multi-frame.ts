// A small multi-frame cine for the viewer's tests: `frames` frames of 256 columns × 128 rows, 12 bits,
// frame k all (100 + 200·k) so a frame is known by its gray level, non-square pixels (rows 0.5 mm
// apart, columns 0.25 mm) so lengths and angles show which spacing was used.
import { buildDicom, grayscaleImage, words, type BuiltElement } from "./build-dicom";

export const CINE = { columns: 256, rows: 128, rowSpacing: 0.5, columnSpacing: 0.25, valueOf: (k: number) => 100 + 200 * k };

export function multiFrameCine(o: { frames: number; timing?: BuiltElement[]; spacing?: "PixelSpacing" | "ImagerPixelSpacing" | "none" }): Uint8Array {
  const count = CINE.rows * CINE.columns;
  const values: number[] = [];
  for (let k = 0; k < o.frames; k++) for (let i = 0; i < count; i++) values.push(CINE.valueOf(k));
  const spacingTag = { PixelSpacing: 0x00280030, ImagerPixelSpacing: 0x00181164, none: 0 }[o.spacing ?? "PixelSpacing"];
  const extra: BuiltElement[] = [{ tag: 0x00280008, vr: "IS", value: String(o.frames) }, ...(o.timing ?? [])];
  if (spacingTag) extra.push({ tag: spacingTag, vr: "DS", value: `${CINE.rowSpacing}\\${CINE.columnSpacing}` });
  return buildDicom({ elements: grayscaleImage({ rows: CINE.rows, columns: CINE.columns, bitsAllocated: 16, bitsStored: 12, highBit: 11, pixels: words(values), extra }) });
}
