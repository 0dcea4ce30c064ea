import "server-only";
import sharp from "sharp";
import { decodePixels } from "@/lib/dicom/decode";
import { inflateRawNode } from "@/lib/dicom/inflate-node";
import { parseDicom } from "@/lib/dicom/parse";
import { reduceDicomToFit, type ReductionFactor } from "@/lib/dicom/reduce-dicom";
import { renderToRgba } from "@/lib/dicom/render";

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
  const rgba = renderToRgba(info, frame);
  const count = frame.rows * frame.columns;
  const gray = Buffer.allocUnsafe(count);
  for (let i = 0, j = 0; i < count; i++, j += 4) gray[i] = rgba[j]!;
  // Level 1: a radiograph's noise barely compresses further, and the encode time is the user's wait.
  const png = await sharp(gray, { raw: { width: frame.columns, height: frame.rows, channels: 1 } }).toColourspace("b-w").png({ compressionLevel: 1 }).toBuffer();
  return { png, factor: reduced.factor, width: frame.columns, height: frame.rows };
}
