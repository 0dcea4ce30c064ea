// Length and angle measurements: points in the image's own pixel coordinates (so they follow zoom,
// pan, rotation and flips), sizes in millimetres from the file's pixel spacing. They live in the
// page only: nothing is written into the file or sent anywhere.
import type { DicomImageInfo, PixelSpacing } from "@/lib/dicom/types";

export type Point = { x: number; y: number };
export type Measurement = { id: number; kind: "length"; points: [Point, Point] } | { id: number; kind: "angle"; points: [Point, Point, Point] };

/**
 * PixelSpacing is in the patient's plane; ImagerPixelSpacing at the detector, where a projection
 * radiograph is magnified (by ~10 % for a chest PA), so lengths from it are said to be at the detector.
 */
export type Calibration = { spacing: PixelSpacing; source: "PixelSpacing" | "ImagerPixelSpacing" } | null;

export function calibrationOf(info: Pick<DicomImageInfo, "pixelSpacing" | "imagerPixelSpacing">): Calibration {
  if (info.pixelSpacing) return { spacing: info.pixelSpacing, source: "PixelSpacing" };
  if (info.imagerPixelSpacing) return { spacing: info.imagerPixelSpacing, source: "ImagerPixelSpacing" };
  return null;
}

/** A point in millimetres (x along rows, so column spacing; y down columns, so row spacing), or in pixels. */
function physical(p: Point, cal: Calibration): Point {
  return cal ? { x: p.x * cal.spacing.column, y: p.y * cal.spacing.row } : p;
}

export function lengthOf(a: Point, b: Point, cal: Calibration): number {
  const [p, q] = [physical(a, cal), physical(b, cal)];
  return Math.hypot(q.x - p.x, q.y - p.y);
}

/** The angle at `vertex` between the arms to `a` and `b`, in degrees (0…180), in physical space: non-square pixels change angles. */
export function angleOf(a: Point, vertex: Point, b: Point, cal: Calibration): number {
  const [p, v, q] = [physical(a, cal), physical(vertex, cal), physical(b, cal)];
  const [ux, uy, wx, wy] = [p.x - v.x, p.y - v.y, q.x - v.x, q.y - v.y];
  const n = Math.hypot(ux, uy) * Math.hypot(wx, wy);
  if (n === 0) return 0;
  return (Math.acos(Math.max(-1, Math.min(1, (ux * wx + uy * wy) / n))) * 180) / Math.PI;
}

export function unitOf(cal: Calibration): string {
  if (!cal) return "px (uncalibrated: no pixel spacing in the file)";
  return cal.source === "PixelSpacing" ? "mm (PixelSpacing)" : "mm at the detector (ImagerPixelSpacing)";
}

/** The value as listed and drawn: "25.00 mm", "112.3 px", "37.5°". */
export function valueText(m: Measurement, cal: Calibration): string {
  if (m.kind === "angle") return `${angleOf(m.points[0], m.points[1], m.points[2], cal).toFixed(1)}°`;
  const length = lengthOf(m.points[0], m.points[1], cal);
  return cal ? `${length.toFixed(2)} mm` : `${length.toFixed(1)} px`;
}

/** Draws the measurements on an overlay canvas sized in CSS pixels × `dpr`; `toCanvas` maps image pixels to CSS pixels. */
export function drawMeasurements(ctx: CanvasRenderingContext2D, items: { m: Measurement; label: string }[], toCanvas: (p: Point) => Point, dpr: number): void {
  ctx.save();
  ctx.scale(dpr, dpr);
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = ctx.fillStyle = "rgba(80, 220, 255, .95)";
  ctx.shadowColor = "#000";
  ctx.shadowBlur = 2;
  ctx.font = "12px system-ui, sans-serif";
  for (const { m, label } of items) {
    const pts = m.points.map(toCanvas);
    ctx.beginPath();
    pts.forEach((p, i) => (i ? ctx.lineTo(p.x, p.y) : ctx.moveTo(p.x, p.y)));
    ctx.stroke();
    for (const p of pts) ctx.fillRect(p.x - 2, p.y - 2, 4, 4);
    const at = m.kind === "angle" ? pts[1]! : pts[1]!;
    ctx.fillText(label, at.x + 6, at.y - 6);
  }
  ctx.restore();
}
