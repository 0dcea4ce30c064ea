// How fast a multi-frame image plays: the interval between frames as the file gives it. DICOM has
// several places for it; the acquisition's own Frame Time comes first (PS3.3 C.7.6.5), then the
// rates meant for display. A file with none of them plays at a default the viewer names as such.
import type { DataSet } from "dicom-parser";

export type FrameTimeSource = "FrameTime" | "FrameTimeVector" | "RecommendedDisplayFrameRate" | "CineRate";
export type FrameTime = { ms: number; source: FrameTimeSource };

/** The interval between frames (ms) when the file gives none: 10 frames per second. */
export const DEFAULT_FRAME_MS = 100;

export function readFrameTime(ds: DataSet): FrameTime | null {
  const frameTime = ds.floatString("x00181063");
  if (frameTime !== undefined && frameTime > 0 && Number.isFinite(frameTime)) return { ms: frameTime, source: "FrameTime" };
  // The vector's first value is 0 (the first frame's own time); the rest are per-frame intervals.
  const count = ds.numStringValues("x00181065") ?? 0;
  if (count > 1) {
    let sum = 0;
    for (let i = 1; i < count; i++) sum += ds.floatString("x00181065", i) ?? NaN;
    const mean = sum / (count - 1);
    if (mean > 0 && Number.isFinite(mean)) return { ms: mean, source: "FrameTimeVector" };
  }
  for (const [tag, source] of [["x00082144", "RecommendedDisplayFrameRate"], ["x00180040", "CineRate"]] as const) {
    const fps = ds.intString(tag) ?? ds.floatString(tag);
    if (fps !== undefined && fps > 0 && Number.isFinite(fps)) return { ms: 1000 / fps, source };
  }
  return null;
}
