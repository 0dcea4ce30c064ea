// A window/level drag redraws every stored pixel on every frame: 7.8 million for a MIMIC-CXR
// radiograph, far more than the ~0.3 million a fitted viewport shows. While such a drag lasts, the
// viewer shows a copy that keeps one pixel in f×f, where f is chosen so that there is still at least
// one stored pixel per screen pixel; the full image returns when the mouse is released.
import { createCornerstoneImage } from "@/lib/dicom/cornerstone-image";
import { reductionFor } from "@/lib/dicom/reduce-dicom";
import type { PixelSpacing } from "@/lib/dicom/types";
import type { Viewport } from "cornerstone-core";
import type { LabgateImage } from "./labgate-image-loader";

export { reductionFor };

/**
 * The same view of an image whose stored pixels are `f` times as many per side (f < 1: fewer), for
 * swapping between an image and its reduced copy without the picture moving.
 */
export function viewportFor(vp: Viewport, f: number): Viewport {
  return { ...vp, scale: vp.scale / f, translation: { x: vp.translation.x * f, y: vp.translation.y * f } };
}

const scaled = (s: PixelSpacing | null, f: number) => (s ? { row: s.row * f, column: s.column * f } : null);

/**
 * Every f-th pixel of every f-th row (the centre of each f×f block), keeping the full image's value
 * range so that its display table, and so its gray levels, are the same. Grayscale only.
 */
export function reducedImage(image: LabgateImage, f: number): LabgateImage | null {
  const { info, frame } = image.labgate;
  if (frame.kind !== "grayscale" || f < 2) return null;
  const rows = Math.floor(frame.rows / f);
  const columns = Math.floor(frame.columns / f);
  if (rows < 1 || columns < 1) return null;
  const Pixels = frame.pixels.constructor as new (n: number) => typeof frame.pixels;
  const pixels = new Pixels(rows * columns);
  const half = f >> 1;
  for (let y = 0; y < rows; y++) {
    const from = (y * f + half) * frame.columns + half;
    for (let x = 0, i = y * columns; x < columns; x++, i++) pixels[i] = frame.pixels[from + x * f]!;
  }
  const reduced = { ...frame, rows, columns, pixels };
  const reducedInfo = { ...info, rows, columns, pixelSpacing: scaled(info.pixelSpacing, f), imagerPixelSpacing: scaled(info.imagerPixelSpacing, f) };
  // The tools keep reading the full image's info and pixels (probe, header, presets).
  return Object.assign(createCornerstoneImage(`${image.imageId}#1/${f}`, reducedInfo, reduced), { labgate: image.labgate });
}
