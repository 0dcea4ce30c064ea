// Multi-frame images: one cornerstone image per frame, made when the frame is first shown and kept
// with the file's image (the frames' pixels are already decoded; this only wraps them).
import { createCornerstoneImage } from "@/lib/dicom/cornerstone-image";
import { DEFAULT_FRAME_MS } from "@/lib/dicom/frame-time";
import type { DicomImageInfo } from "@/lib/dicom/types";
import type { LabgateImage } from "./labgate-image-loader";

const made = new WeakMap<LabgateImage, LabgateImage[]>();

export function frameImage(first: LabgateImage, index: number): LabgateImage {
  const { frames } = first.labgate;
  const i = Math.max(0, Math.min(frames.length - 1, index));
  if (i === 0) return first;
  let list = made.get(first);
  if (!list) made.set(first, (list = []));
  const frame = frames[i]!;
  return (list[i] ??= Object.assign(createCornerstoneImage(`${first.imageId}#frame=${i + 1}`, first.labgate.info, frame), {
    labgate: { ...first.labgate, frame, frameIndex: i },
  }));
}

/** The interval cine plays at, and how the readout names where it came from. */
export function playbackOf(info: DicomImageInfo): { ms: number; label: string } {
  const t = info.frameTime;
  if (!t) return { ms: DEFAULT_FRAME_MS, label: `${fps(DEFAULT_FRAME_MS)} fps (the file gives no frame time)` };
  return { ms: t.ms, label: `${fps(t.ms)} fps (${t.source})` };
}

function fps(ms: number): string {
  return String(Math.round(10000 / ms) / 10);
}
