// A whole DICOM file → what the viewer shows: image info, every frame's stored values and the
// header's element list. The same function runs in the decoding worker and, where a browser has no
// workers, on the page; it returns plain data that survives structured clone.
import { decodePixels } from "./decode";
import { decodeOpeningFrame, type OpeningFrame } from "./decode-opening";
import { withHeader } from "./errors";
import type { HeaderElement } from "./header";
import { parseDicomWithHeader } from "./parse";
import type { DecodedFrame, DicomImageInfo } from "./types";

/** frame: the first frame; frames: every frame decoded, the first included (one for most files). */
export type DecodedDicomFile = { info: DicomImageInfo; frame: DecodedFrame; frames: DecodedFrame[]; header: HeaderElement[] };

/** Decoded pixels kept for one multi-frame image; frames past it are not decoded (the viewer says so). */
export const MAX_DECODED_BYTES = 512 * 1024 * 1024;

/**
 * `opening`: for a JPEG 2000 file, a lower-resolution picture fitted into `box` is decoded first
 * and handed to `onFrame` (decode-opening.ts) before the full decode starts. A failure there only
 * means no such picture: the full decode reports whatever is wrong with the file.
 */
export type OpeningRequest = { box: { width: number; height: number }; onFrame: (opening: OpeningFrame) => void };

export async function decodeDicomFile(bytes: Uint8Array, opening?: OpeningRequest): Promise<DecodedDicomFile> {
  const { info, header } = await parseDicomWithHeader(bytes);
  const frames: DecodedFrame[] = [];
  if (opening) {
    const picture = await decodeOpeningFrame(info, opening.box).catch(() => null);
    if (picture) opening.onFrame(picture);
  }
  try {
    let kept = 0;
    for (let i = 0; i < info.numberOfFrames; i++) {
      const frame = await decodePixels(info, i);
      kept += frame.pixels.byteLength;
      if (i > 0 && kept > MAX_DECODED_BYTES) break;
      frames.push(frame);
    }
  } catch (e) {
    throw withHeader(e, header);
  }
  sharedRange(frames);
  // The pixel data reference points into the file's bytes; dropping it lets them go (and keeps a
  // worker from copying the whole file back to the page).
  return { info: { ...info, pixelData: null }, frame: frames[0]!, frames, header };
}

/**
 * Every frame of a grayscale cine gets the range of all of them, so one display table (and one
 * "full range" window) fits every frame: playing does not flicker from frame to frame.
 */
function sharedRange(frames: DecodedFrame[]): void {
  if (frames.length < 2) return;
  let min = Infinity;
  let max = -Infinity;
  for (const f of frames) {
    if (f.kind !== "grayscale") return;
    min = Math.min(min, f.minStored);
    max = Math.max(max, f.maxStored);
  }
  for (const f of frames) if (f.kind === "grayscale") Object.assign(f, { minStored: min, maxStored: max });
}

/** The buffers worth transferring (not copying) out of a worker: the decoded pixels. */
export function transferablesOf(result: DecodedDicomFile): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const f of result.frames) if (f.pixels.buffer instanceof ArrayBuffer) buffers.add(f.pixels.buffer);
  return [...buffers];
}
