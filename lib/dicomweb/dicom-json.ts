// A dicom-parser data set → the DICOM JSON model (PS3.18 F.2): tag keys "GGGGEEEE", each { vr, Value }
// with strings, numbers, person names as { Alphabetic, Ideographic, Phonetic }, sequences as nested
// objects, and binary values as InlineBinary or a BulkDataURI the caller names. dicom-parser is the
// parser the viewer and thumbnails already trust with these files; the dictionary (from dcmjs) gives
// the VR of implicit-VR elements.
import type { DataSet, Element } from "dicom-parser";
import type { TagDictionary } from "@/lib/dicom/dictionary";
import { NUMBER_VRS } from "@/lib/dicom/header";

export type DicomJsonValue = string | number | null | { Alphabetic?: string; Ideographic?: string; Phonetic?: string } | DicomJson;
export type DicomJsonElement = { vr: string; Value?: DicomJsonValue[]; InlineBinary?: string; BulkDataURI?: string };
export type DicomJson = Record<string, DicomJsonElement>;

export type ToJsonOptions = {
  dictionary: TagDictionary;
  /** "omit": binary elements are left out (the index); "inline": base64 (metadata, header-sized values). */
  binary: "omit" | "inline";
  /** The BulkDataURI of Pixel Data; without it Pixel Data is left out. */
  pixelDataUri?: string;
};

const BINARY_VRS = new Set(["OB", "OW", "OF", "OD", "OL", "OV", "UN"]);
const SINGLE_VALUE_TEXT = new Set(["LT", "ST", "UT", "UR"]);
const STRING_VRS = new Set(["AE", "AS", "CS", "DA", "DT", "LO", "SH", "TM", "UC", "UI", ...SINGLE_VALUE_TEXT]);
const PIXEL_DATA = "x7fe00010";
const DELIMITERS = new Set(["xfffee000", "xfffee00d", "xfffee0dd"]);

export function toDicomJson(dataSet: DataSet, options: ToJsonOptions): DicomJson {
  const utf8 = /ISO_IR 192/.test(dataSet.string("x00080005") ?? "");
  return convert(dataSet, options, utf8);
}

function convert(ds: DataSet, options: ToJsonOptions, utf8: boolean): DicomJson {
  const out: DicomJson = {};
  for (const tag of Object.keys(ds.elements).sort()) {
    if (DELIMITERS.has(tag)) continue;
    const group = tag.slice(1, 5);
    // The file meta group belongs to the file, not the data set; group lengths are encoding.
    if (group === "0002" || tag.slice(5) === "0000") continue;
    const element = ds.elements[tag]!;
    const vr = vrOf(element, tag, options.dictionary);
    const key = tag.slice(1).toUpperCase();
    if (tag === PIXEL_DATA) {
      if (options.pixelDataUri) out[key] = { vr: vr === "UN" ? "OW" : vr, BulkDataURI: options.pixelDataUri };
      continue;
    }
    if (vr === "SQ") {
      out[key] = { vr, Value: (element.items ?? []).map((item) => (item.dataSet ? convert(item.dataSet, options, utf8) : {})) };
      continue;
    }
    if (BINARY_VRS.has(vr)) {
      if (options.binary === "inline" && element.length > 0 && element.length !== 0xffffffff) {
        out[key] = { vr, InlineBinary: Buffer.from(ds.byteArray.buffer, ds.byteArray.byteOffset + element.dataOffset, element.length).toString("base64") };
      } else if (options.binary === "inline") out[key] = { vr };
      continue;
    }
    out[key] = element.length === 0 ? { vr } : withValues(vr, valuesOf(ds, element, tag, vr, utf8));
  }
  return out;
}

function withValues(vr: string, values: DicomJsonValue[]): DicomJsonElement {
  return values.length === 0 ? { vr } : { vr, Value: values };
}

function vrOf(element: Element, tag: string, dictionary: TagDictionary): string {
  if (element.vr) return element.vr;
  if (element.items) return "SQ";
  const vr = dictionary.lookup(tag)?.vr ?? "UN";
  // Ambiguous dictionary VRs ("US or SS", "OB or OW") are written as their first choice.
  return vr.slice(0, 2);
}

function valuesOf(ds: DataSet, element: Element, tag: string, vr: string, utf8: boolean): DicomJsonValue[] {
  const reader = NUMBER_VRS[vr];
  if (reader) {
    const values: number[] = [];
    for (let i = 0; i < Math.floor(element.length / reader.size); i++) values.push(reader.read(ds, tag, i)!);
    return values;
  }
  if (vr === "AT") {
    const values: string[] = [];
    for (let i = 0; i < Math.floor(element.length / 4); i++) {
      values.push(hex4(ds.uint16(tag, i * 2)!) + hex4(ds.uint16(tag, i * 2 + 1)!));
    }
    return values;
  }
  const raw = decodeText(ds, element, utf8);
  if (SINGLE_VALUE_TEXT.has(vr)) {
    const text = raw.replace(/[\s\0]+$/, "");
    return text === "" ? [] : [text];
  }
  const parts = raw.split("\\").map((s) => s.replace(/^ +|[ \0]+$/g, ""));
  if (parts.every((p) => p === "")) return [];
  if (vr === "PN") return parts.map((p) => (p === "" ? null : personName(p)));
  if (vr === "IS" || vr === "DS") {
    return parts.map((p) => {
      if (p === "") return null;
      const n = Number(p);
      return Number.isFinite(n) ? n : null;
    });
  }
  if (STRING_VRS.has(vr)) return parts.map((p) => (p === "" ? null : p));
  return parts.map((p) => (p === "" ? null : p));
}

function personName(text: string): { Alphabetic?: string; Ideographic?: string; Phonetic?: string } {
  const [alphabetic, ideographic, phonetic] = text.split("=");
  return {
    ...(alphabetic ? { Alphabetic: alphabetic } : {}),
    ...(ideographic ? { Ideographic: ideographic } : {}),
    ...(phonetic ? { Phonetic: phonetic } : {}),
  };
}

function decodeText(ds: DataSet, element: Element, utf8: boolean): string {
  const bytes = ds.byteArray.subarray(element.dataOffset, element.dataOffset + element.length);
  return utf8 ? new TextDecoder("utf-8").decode(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, "0");
}

/** The first value of an element of a DICOM JSON object as text (Alphabetic for a person name), or null. */
export function firstText(json: DicomJson, key: string): string | null {
  const v = json[key]?.Value?.[0];
  if (v === null || v === undefined) return null;
  if (typeof v === "object") return typeof v.Alphabetic === "string" ? v.Alphabetic : null;
  return String(v);
}
