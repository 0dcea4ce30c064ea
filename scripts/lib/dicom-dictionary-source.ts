// The header panel's DICOM dictionary, built from dcmjs's copy of PS3.6 (kept current by its
// maintainers) rather than a hand-kept slice. dcmjs itself is far too big for the decoding worker,
// so scripts/generate-dicom-dictionary.ts writes this compact form to lib/dicom/dictionary.json and
// tests/dicom/dictionary.test.ts fails when the committed file no longer matches the package.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import dcmjs from "dcmjs";
import type { DictionaryData } from "@/lib/dicom/dictionary";

// dcmjs writes PS3.6's two-VR cases in lower case ("xs" = US or SS, "ox" = OB or OW, "lt" = US or OW,
// "up" = UL offset); Implicit VR files need one concrete VR: the one PS3.5 A.1 gives implicit encoding.
const CONCRETE_VR: Record<string, string> = { ox: "OW", xs: "US", lt: "US", up: "UL" };

export function dcmjsDictionary() {
  return dcmjs.data.DicomMetaDictionary.dictionary;
}

export function dcmjsVersion(): string {
  // dcmjs's "exports" hide its package.json, so read it beside the resolved entry point (build/dcmjs.js).
  const entry = createRequire(import.meta.url).resolve("dcmjs");
  return (JSON.parse(readFileSync(join(dirname(entry), "..", "package.json"), "utf8")) as { version: string }).version;
}

export function buildDictionaryData(): DictionaryData {
  const { nameMap, dictionary } = dcmjs.data.DicomMetaDictionary;
  const tags: Record<string, string> = {};
  const ranges: DictionaryData["ranges"] = [];
  const entries = Object.values(nameMap).sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  for (const e of entries) {
    // Items and delimiters are encoding, not attributes: the header lists items itself and hides delimiters.
    if (e.tag.startsWith("(FFFE,")) continue;
    const vr = CONCRETE_VR[e.vr] ?? e.vr;
    if (!/^[A-Z]{2}$/.test(vr)) throw new Error(`dcmjs gives ${e.tag} an unexpected VR "${e.vr}"`);
    const group = parseInt(e.tag.slice(1, 5), 16);
    const element = e.tag.slice(6, 10);
    const value = `${vr} ${e.name}`;
    // Repeating groups (50xx curves, 60xx overlays, 7Fxx): dcmjs answers for every group in the range
    // but lists only the first, so probe the even groups after it to learn where the range ends.
    // Every repeating group in PS3.6 starts at a group ending in 00.
    let last = group;
    for (let g = group + 2; (group & 0xff) === 0 && g <= group + 0xfe; g += 2) {
      const hex = g.toString(16).toUpperCase().padStart(4, "0");
      if (dictionary[`(${hex},${element})`]?.name === e.name) last = g;
    }
    if (last > group) ranges.push([e.tag.slice(1, 5), last.toString(16).toUpperCase().padStart(4, "0"), element, value]);
    else tags[e.tag.slice(1, 5) + element] = value;
  }
  return { source: `dcmjs ${dcmjsVersion()}`, tags, ranges };
}

export function serializeDictionaryData(data: DictionaryData): string {
  return `${JSON.stringify(data)}\n`;
}
