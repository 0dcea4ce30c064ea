import "server-only";
import { decodePixels } from "@/lib/dicom/decode";
import { inflateRawNode } from "@/lib/dicom/inflate-node";
import { parseDicom } from "@/lib/dicom/parse";
import { reduceDicomToFit, type ReductionFactor } from "@/lib/dicom/reduce-dicom";
import { renderedFrame } from "./render-thumbnail";

export type RenderedPreview = { png: Buffer; factor: ReductionFactor; width: number; height: number };

/**
 * The viewer's first picture of a large DICOM: the route's fitted copy (every f-th pixel, one stored
 * pixel still per screen pixel, lib/dicom/reduce-dicom.ts) rendered as the viewer first shows the
 * file — the header's VOI LUT or window, else the full range; MONOCHROME1 inverted — as a lossless
 * 8-bit PNG the browser paints before any of the page's scripts have run. Null when there is no such
 * copy (compressed, colour, multi-frame, or already small enough).
 */
export async function renderPreview(bytes: Uint8Array, box: { width: number; height: number }): Promise<RenderedPreview | null> {
  const reduced = reduceDicomToFit(bytes, box);
  if (!reduced) return null;
  const info = parseDicom(reduced.bytes, { inflateRaw: inflateRawNode });
  const frame = await decodePixels(info, 0);
  if (frame.kind !== "grayscale") return null;
  // Level 1: a radiograph's noise barely compresses further, and the encode time is the user's wait.
  const png = await renderedFrame(info, frame).toColourspace("b-w").png({ compressionLevel: 1 }).toBuffer();
  return { png, factor: reduced.factor, width: frame.columns, height: frame.rows };
}
