import "server-only";
import { decodePixels } from "@/lib/dicom/decode";
import { inflateRawNode } from "@/lib/dicom/inflate-node";
import { parseDicom } from "@/lib/dicom/parse";
import { reduceDicomToFit, reduceFrame, reductionFor, type ReductionFactor } from "@/lib/dicom/reduce-dicom";
import type { DecodedFrame, DicomImageInfo } from "@/lib/dicom/types";
import { renderedFrame } from "./render-thumbnail";
import { configureServerCodecs } from "./server-codecs";

export type RenderedPreview = { png: Buffer; factor: ReductionFactor; width: number; height: number };

/**
 * The viewer's first picture of a large DICOM: the route's fitted copy (every f-th pixel, one stored
 * pixel still per screen pixel, lib/dicom/reduce-dicom.ts) rendered as the viewer first shows the
 * file — the header's VOI LUT or window, else the full range; MONOCHROME1 inverted — as a lossless
 * 8-bit PNG the browser paints before any of the page's scripts have run. A compressed (or big-endian,
 * deflated, multi-frame) file has no such byte copy: its first frame is decoded here, with the same
 * codecs as the viewer's, and reduced the same way. Null for colour, and when the image already fits.
 */
export async function renderPreview(bytes: Uint8Array, box: { width: number; height: number }): Promise<RenderedPreview | null> {
  const reduced = reduceDicomToFit(bytes, box);
  const decoded = reduced ? await decodeFirst(reduced.bytes, reduced.factor) : await decodeAndReduce(bytes, box);
  if (!decoded) return null;
  const { info, frame, factor } = decoded;
  // Level 1: a radiograph's noise barely compresses further, and the encode time is the user's wait.
  const png = await renderedFrame(info, frame).toColourspace("b-w").png({ compressionLevel: 1 }).toBuffer();
  return { png, factor, width: frame.columns, height: frame.rows };
}

type Reduced = { info: DicomImageInfo; frame: Extract<DecodedFrame, { kind: "grayscale" }>; factor: ReductionFactor };

async function decodeFirst(bytes: Uint8Array, factor: ReductionFactor): Promise<Reduced | null> {
  const info = parseDicom(bytes, { inflateRaw: inflateRawNode });
  const frame = await decodePixels(info, 0);
  return frame.kind === "grayscale" ? { info, frame, factor } : null;
}

async function decodeAndReduce(bytes: Uint8Array, box: { width: number; height: number }): Promise<Reduced | null> {
  const info = parseDicom(bytes, { inflateRaw: inflateRawNode });
  if (info.samplesPerPixel !== 1) return null;
  const factor = reductionFor(Math.min(box.width / info.columns, box.height / info.rows));
  if (factor < 2) return null;
  configureServerCodecs();
  // JPEG 2000 gives its lower resolution levels for a fraction of a full decode (a low-pass picture,
  // a little smoother than one pixel in f×f; it is on screen until the viewer's own draw).
  const decoded = await decodePixels(info, 0, { reduceBy: factor });
  const already = Math.round(info.columns / decoded.columns);
  const frame = decoded.kind !== "grayscale" ? null : already >= factor ? decoded : reduceFrame(decoded, factor / already);
  return frame ? { info: { ...info, rows: frame.rows, columns: frame.columns, pixelData: null }, frame, factor: factor as ReductionFactor } : null;
}
