import "server-only";
import type { Readable } from "node:stream";
import type { DataSet } from "dicom-parser";
import dicomParser from "@/lib/dicom/dicom-parser-module";
import { loadDictionary, type TagDictionary } from "@/lib/dicom/dictionary";
import { getStorage } from "@/lib/storage/get-storage";

// MIMIC-CXR headers are a few kilobytes in front of 8–30 MB of pixels: the first read asks storage for
// this much only, and reads the whole file only when the header runs past it.
const HEADER_PREFIX_BYTES = 256 * 1024;
const PIXEL_DATA = "x7fe00010";

export async function streamToBuffer(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

export async function readStoredBytes(storageKey: string, range?: { start: number; end: number }): Promise<Buffer | null> {
  const stream = await getStorage().openRead(storageKey, range);
  return stream ? streamToBuffer(stream) : null;
}

/**
 * The data set of a stored DICOM file up to (not including) its pixel data, and the dictionary used to
 * type implicit-VR elements. Null when the file is missing from storage; throws when it is not DICOM.
 */
export async function readStoredHeader(file: { storageKey: string; size: number }): Promise<{ dataSet: DataSet; dictionary: TagDictionary } | null> {
  const dictionary = await loadDictionary();
  const vrCallback = (tag: string) => dictionary.lookup(tag)?.vr.slice(0, 2);
  const parse = (bytes: Uint8Array) => dicomParser.parseDicom(bytes, { untilTag: PIXEL_DATA, vrCallback } as never);
  if (file.size > HEADER_PREFIX_BYTES) {
    const prefix = await readStoredBytes(file.storageKey, { start: 0, end: HEADER_PREFIX_BYTES - 1 });
    if (!prefix) return null;
    try {
      const dataSet = parse(prefix);
      // Stopped at the prefix's end rather than at the pixel data: some of the header is past it.
      if (dataSet.elements[PIXEL_DATA]) return { dataSet, dictionary };
    } catch {
      // The header is longer than the prefix (or the file is deflated): read it all below.
    }
  }
  const whole = await readStoredBytes(file.storageKey);
  if (!whole) return null;
  return { dataSet: parse(whole), dictionary };
}
