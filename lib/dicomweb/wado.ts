import "server-only";
import { sql } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { inflateRawNode } from "@/lib/dicom/inflate-node";
import { decodePixels } from "@/lib/dicom/decode";
import { parseDicom } from "@/lib/dicom/parse";
import type { DicomImageInfo } from "@/lib/dicom/types";
import { lookupTransferSyntax } from "@/lib/dicom/transfer-syntax";
import { getStorage } from "@/lib/storage/get-storage";
import { renderedFrame } from "@/lib/thumbnails/render-thumbnail";
import { configureServerCodecs } from "@/lib/thumbnails/server-codecs";
import { toDicomJson, type DicomJson } from "./dicom-json";
import { DicomwebError } from "./errors";
import { type Part } from "./multipart";
import { readStoredBytes, readStoredHeader } from "./read-header";

export type InstanceRef = { path: string; storageKey: string; size: number; sha256: string; studyUid: string; seriesUid: string; sopUid: string; transferSyntax: string };
export type InstanceScope = { labId: string; datasetId: string; studyUid: string; seriesUid?: string; sopUid?: string };

const EXPLICIT_LE = "1.2.840.10008.1.2.1";

/** The indexed instances a WADO-RS path names (a study, a series or one instance), in series/instance order. */
export async function findInstances(scope: InstanceScope): Promise<InstanceRef[]> {
  const r = await getDb().execute<{ path: string; storage_key: string; size: string; sha256: string; study_uid: string; series_uid: string; sop_uid: string; transfer_syntax: string | null }>(sql`
    select d.path, s.storage_key, s.size, s.sha256, d.study_uid, d.series_uid, d.sop_uid, d.transfer_syntax
    from dicom_instances d join stored_files s on s.lab_id = d.lab_id and s.dataset_id = d.dataset_id and s.path = d.path and s.sha256 = d.sha256
    where d.lab_id = ${scope.labId} and d.dataset_id = ${scope.datasetId} and d.error is null and d.study_uid = ${scope.studyUid}
      ${scope.seriesUid ? sql`and d.series_uid = ${scope.seriesUid}` : sql``}
      ${scope.sopUid ? sql`and d.sop_uid = ${scope.sopUid}` : sql``}
    order by d.series_uid, (d.attrs #>> '{00200013,Value,0}')::numeric nulls last, d.sop_uid, d.path`);
  return r.rows.map((x) => ({ path: x.path, storageKey: x.storage_key, size: Number(x.size), sha256: x.sha256, studyUid: x.study_uid, seriesUid: x.series_uid, sopUid: x.sop_uid, transferSyntax: x.transfer_syntax ?? EXPLICIT_LE }));
}

export function instanceUrl(base: string, i: InstanceRef): string {
  return `${base}/studies/${i.studyUid}/series/${i.seriesUid}/instances/${i.sopUid}`;
}

/** Each instance as stored, byte for byte: one application/dicom part per file. */
export function instanceParts(instances: InstanceRef[], base: string): Part[] {
  return instances.map((i) => ({
    contentType: `application/dicom; transfer-syntax=${i.transferSyntax}`,
    location: instanceUrl(base, i),
    body: () => getStorage().openRead(i.storageKey),
  }));
}

/** DICOM JSON of each instance's header, Pixel Data as a BulkDataURI to its frames. */
export async function instanceMetadata(instances: InstanceRef[], base: string): Promise<DicomJson[]> {
  const out: DicomJson[] = [];
  for (const i of instances) {
    const header = await readStoredHeader({ storageKey: i.storageKey, size: i.size });
    if (!header) throw new DicomwebError(410, "An instance is listed but missing from lab storage; a steward should check it.");
    const frames = Number(header.dataSet.string("x00280008") ?? "1") || 1;
    const list = Array.from({ length: frames }, (_, k) => k + 1).join(",");
    const json = toDicomJson(header.dataSet, { dictionary: header.dictionary, binary: "inline", pixelDataUri: `${instanceUrl(base, i)}/frames/${list}` });
    // Clients pick a decoder by the transfer syntax; it lives in the file meta group, which is not part of the data set.
    json["00020010"] = { vr: "UI", Value: [i.transferSyntax] };
    out.push(Object.fromEntries(Object.entries(json).sort(([a], [b]) => a.localeCompare(b))));
  }
  return out;
}

async function parseWhole(i: InstanceRef): Promise<DicomImageInfo> {
  const bytes = await readStoredBytes(i.storageKey);
  if (!bytes) throw new DicomwebError(410, "This instance is listed but missing from lab storage; a steward should check it.");
  try {
    return parseDicom(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { inflateRaw: inflateRawNode });
  } catch (e) {
    throw new DicomwebError(422, `The stored file cannot be read as an image (${e instanceof Error ? e.message : "unknown error"})`);
  }
}

/** "1,3,5" → [1, 3, 5] (1-based, as WADO-RS numbers frames). */
export function parseFrameList(text: string): number[] {
  const frames = text.split(",").map((s) => s.trim());
  if (frames.length === 0 || frames.length > 10_000 || frames.some((f) => !/^[1-9]\d{0,5}$/.test(f))) throw new DicomwebError(400, "Frames are listed as 1-based numbers separated by commas, e.g. frames/1 or frames/1,2,3");
  return frames.map(Number);
}

const PASS_THROUGH_TYPES: Partial<Record<string, string>> = {
  "jpeg-baseline": "image/jpeg",
  "jpeg-lossless": "image/jpeg",
  "jpeg-ls": "image/jls",
  "jpeg-2000": "image/jp2",
};

/**
 * The pixel bytes of the listed frames: native pixels as application/octet-stream in Explicit VR
 * Little Endian layout (big-endian files keep theirs and say so), encapsulated frames passed through
 * in their compressed form with their transfer syntax (PS3.18 8.7.3.3.2).
 */
export async function frameParts(i: InstanceRef, frames: number[]): Promise<{ partType: string; transferSyntax: string; parts: Part[] }> {
  const info = await parseWhole(i);
  const ref = info.pixelData;
  if (!ref) throw new DicomwebError(404, "This instance has no pixel data");
  const missing = frames.find((f) => f > info.numberOfFrames);
  if (missing) throw new DicomwebError(404, `Frame ${missing} does not exist; the instance has ${info.numberOfFrames} frame(s)`);
  if (!ref.encapsulated) {
    const length = (info.rows * info.columns * info.samplesPerPixel * info.bitsAllocated) / 8;
    const ts = ref.bigEndian ? "1.2.840.10008.1.2.2" : EXPLICIT_LE;
    return {
      partType: "application/octet-stream",
      transferSyntax: ts,
      parts: frames.map((f) => ({ contentType: `application/octet-stream; transfer-syntax=${ts}`, body: ref.bytes.subarray((f - 1) * length, f * length) })),
    };
  }
  const syntax = lookupTransferSyntax(info.transferSyntaxUID);
  const type = PASS_THROUGH_TYPES[syntax.encoding] ?? "application/octet-stream";
  return {
    partType: type,
    transferSyntax: info.transferSyntaxUID,
    parts: frames.map((f) => ({ contentType: `${type}; transfer-syntax=${info.transferSyntaxUID}`, body: concat(ref.frames[f - 1] ?? []) })),
  };
}

export type RenderOptions = { frame: number; type: "image/jpeg" | "image/png"; window?: { center: number; width: number; fn?: "LINEAR" | "LINEAR_EXACT" | "SIGMOID" }; viewport?: { width: number; height: number }; quality?: number };

/** A frame drawn as the viewer draws it (lib/dicom/render.ts), as JPEG or PNG. */
export async function renderInstance(i: InstanceRef, opts: RenderOptions): Promise<Buffer> {
  configureServerCodecs();
  const info = await parseWhole(i);
  if (opts.frame > info.numberOfFrames) throw new DicomwebError(404, `Frame ${opts.frame} does not exist; the instance has ${info.numberOfFrames} frame(s)`);
  let frame;
  try {
    frame = await decodePixels(info, opts.frame - 1);
  } catch (e) {
    throw new DicomwebError(422, `This frame cannot be decoded (${e instanceof Error ? e.message : "unknown error"})`);
  }
  const windowed = opts.window ? { windowCenter: opts.window.center, windowWidth: opts.window.width, ...(opts.window.fn ? { voiLutFunction: opts.window.fn } : {}) } : {};
  let image = renderedFrame(info, frame, windowed);
  if (opts.viewport) image = image.resize(opts.viewport.width, opts.viewport.height, { fit: "inside" });
  return opts.type === "image/png" ? image.png().toBuffer() : image.jpeg({ quality: opts.quality ?? 90 }).toBuffer();
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  return Buffer.concat(parts);
}
