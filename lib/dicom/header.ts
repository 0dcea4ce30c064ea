// A parsed data set → the rows of the viewer's header panel: tag, VR, keyword and a printable value
// for every element, items of sequences indented below them. Plain data, so it crosses from the
// decoding worker to the page; pixel data and other binary values are described, never copied.
import type { DataSet, Element } from "dicom-parser";
import type { DictionaryEntry, TagDictionary } from "./dictionary";

export type HeaderElement = {
  /** "(0028,0010)" */
  tag: string;
  /** From the file (explicit VR) or the dictionary (implicit VR); null when neither knows it. */
  vr: string | null;
  keyword: string | null;
  value: string;
  /** Nesting, indented as dcmdump does: an item one step below its sequence, the item's elements two. */
  depth: number;
};

const TEXT_VRS = new Set(["LT", "ST", "UT"]);
const STRING_VRS = new Set(["AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "PN", "SH", "TM", "UC", "UI", "UR", ...TEXT_VRS]);
/** Binary numeric VRs: bytes per value and dicom-parser's reader (shared with DICOMweb's JSON). */
export const NUMBER_VRS: Record<string, { size: number; read: (ds: DataSet, tag: string, i: number) => number | undefined }> = {
  US: { size: 2, read: (ds, t, i) => ds.uint16(t, i) },
  SS: { size: 2, read: (ds, t, i) => ds.int16(t, i) },
  UL: { size: 4, read: (ds, t, i) => ds.uint32(t, i) },
  SL: { size: 4, read: (ds, t, i) => ds.int32(t, i) },
  FL: { size: 4, read: (ds, t, i) => ds.float(t, i) },
  FD: { size: 8, read: (ds, t, i) => ds.double(t, i) },
};
const DELIMITERS = new Set(["xfffee00d", "xfffee0dd"]);
const PIXEL_DATA = new Set(["x7fe00010", "x7fe00008", "x7fe00009"]);
const MAX_VALUES = 16;
const MAX_TEXT = 512;
const MAX_ROWS = 5000;

/** `dictionary` null: it could not be loaded, so elements are listed by number (and file VR) only. */
export function listHeaderElements(dataSet: DataSet, dictionary: TagDictionary | null): HeaderElement[] {
  const rows: HeaderElement[] = [];
  let omitted = 0;
  const visit = (ds: DataSet, depth: number) => {
    for (const tag of Object.keys(ds.elements).sort()) {
      // Item and sequence delimiters are encoding, not content (the items themselves are listed).
      if (DELIMITERS.has(tag)) continue;
      const element = ds.elements[tag]!;
      if (rows.length >= MAX_ROWS) {
        omitted++;
        continue;
      }
      const entry = dictionary?.lookup(tag) ?? null;
      const vr = element.vr ?? (element.items ? "SQ" : (entry?.vr ?? null));
      rows.push({ tag: formatTag(tag), vr, keyword: nameOf(tag, entry), value: describeValue(ds, element, vr), depth });
      element.items?.forEach((item, i) => {
        if (rows.length >= MAX_ROWS) return void omitted++;
        rows.push({ tag: "(FFFE,E000)", vr: null, keyword: `Item ${i + 1}`, value: "", depth: depth + 1 });
        if (item.dataSet) visit(item.dataSet, depth + 2);
      });
    }
  };
  visit(dataSet, 0);
  if (omitted > 0) rows.push({ tag: "…", vr: null, keyword: null, value: `${omitted} more elements not listed`, depth: 0 });
  return rows;
}

export function formatTag(tag: string): string {
  const hex = tag.replace(/^x/i, "").toUpperCase();
  return `(${hex.slice(0, 4)},${hex.slice(4, 8)})`;
}

function nameOf(tag: string, entry: DictionaryEntry | null): string | null {
  if (entry) return entry.retired ? `${entry.keyword} (retired)` : entry.keyword;
  // Private data elements are defined by their creator, not by PS3.6: say whose group they sit in.
  const group = tag.replace(/^x/i, "").slice(0, 4).toUpperCase();
  return parseInt(group, 16) % 2 === 1 ? `private (group ${group})` : null;
}

function describeValue(ds: DataSet, element: Element, vr: string | null): string {
  if (PIXEL_DATA.has(element.tag)) {
    const fragments = element.encapsulatedPixelData ? `${element.fragments?.length ?? 0} fragment(s), ` : "";
    return `pixel data, not shown (${fragments}${element.length >= 0 ? `${element.length.toLocaleString("en-US")} bytes` : "undefined length"})`;
  }
  if (vr === "SQ" || element.items) return `${element.items?.length ?? 0} item(s)`;
  if (element.length === 0) return "";
  if (vr && NUMBER_VRS[vr]) {
    const { size, read } = NUMBER_VRS[vr];
    const count = Math.floor(element.length / size);
    const values = Array.from({ length: Math.min(count, MAX_VALUES) }, (_, i) => read(ds, element.tag, i)).map((v) => (v === undefined ? "?" : formatNumber(v)));
    return values.join(" \\ ") + (count > MAX_VALUES ? ` … (${count} values)` : "");
  }
  if (vr === "AT") return ds.attributeTag(element.tag) ? formatTag(ds.attributeTag(element.tag)!) : "";
  if (vr && STRING_VRS.has(vr)) return clip((TEXT_VRS.has(vr) ? ds.text(element.tag) : ds.string(element.tag)) ?? "");
  // Binary VRs, and elements whose VR nobody knows: text only when every byte is printable.
  const bytes = (ds.byteArray as Uint8Array).subarray(element.dataOffset, element.dataOffset + element.length);
  if (vr === null && bytes.length <= 1024 && bytes.every((b) => (b >= 0x20 && b < 0x7f) || b === 0 || b === 9 || b === 10 || b === 13)) {
    return clip(ds.string(element.tag) ?? "");
  }
  const hex = Array.from(bytes.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join(" ");
  return `${element.length.toLocaleString("en-US")} bytes${bytes.length > 0 ? `: ${hex}${bytes.length > 16 ? " …" : ""}` : ""}`;
}

function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(8)));
}

function clip(s: string): string {
  const oneLine = s.replace(/\r\n|\r|\n/g, " ⏎ ");
  return oneLine.length > MAX_TEXT ? `${oneLine.slice(0, MAX_TEXT)}…` : oneLine;
}
