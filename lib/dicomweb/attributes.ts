import "server-only";
import type { DictionaryData } from "@/lib/dicom/dictionary";

export type Level = "studies" | "series" | "instances";
export type Attribute = { tag: string; vr: string; keyword: string };

// What QIDO-RS answers at each level by default (PS3.18 Tables 6.7.1-2/-2a/-2b, the ones a file
// can hold), and what `includefield=all` adds; lower levels also carry the higher levels' UIDs.
const STUDY_DEFAULT = ["00080005", "00080020", "00080030", "00080050", "00080090", "00081030", "00100010", "00100020", "00100030", "00100040", "0020000D", "00200010"];
const STUDY_ALL = [...STUDY_DEFAULT, "00080201", "00081032", "00081060", "00101010", "00101020", "00101030", "00102160", "00104000", "00321032", "00321060", "00324000"];
const SERIES_DEFAULT = ["00080005", "00080060", "0008103E", "0020000E", "00200011", "00400244", "00400245", "0020000D"];
const SERIES_ALL = [...SERIES_DEFAULT, "00080021", "00080031", "00081111", "00180015", "00185100", "00200060", "00400275", "00080070", "00081090"];
const INSTANCE_DEFAULT = ["00080005", "00080016", "00080018", "00200013", "00280008", "00280010", "00280011", "00280100", "0020000D", "0020000E"];

export const LEVEL_TAGS: Record<Level, { defaults: string[]; all: string[] | "every" }> = {
  studies: { defaults: STUDY_DEFAULT, all: STUDY_ALL },
  series: { defaults: SERIES_DEFAULT, all: SERIES_ALL },
  instances: { defaults: INSTANCE_DEFAULT, all: "every" },
};

let byKeyword: Map<string, Attribute> | null = null;
let byTag: Map<string, Attribute> | null = null;

async function maps() {
  if (!byKeyword || !byTag) {
    const data = (await import("@/lib/dicom/dictionary.json")).default as unknown as DictionaryData;
    const k = new Map<string, Attribute>();
    const t = new Map<string, Attribute>();
    for (const [tag, value] of Object.entries(data.tags)) {
      const attr = { tag, vr: value.slice(0, 2), keyword: value.slice(3) };
      t.set(tag, attr);
      if (!attr.keyword.startsWith("RETIRED_")) k.set(attr.keyword, attr);
    }
    byKeyword = k;
    byTag = t;
  }
  return { byKeyword, byTag };
}

/** A query key or includefield value: a keyword ("PatientID") or a tag ("00100020"), or null. */
export async function findAttribute(key: string): Promise<Attribute | null> {
  const { byKeyword, byTag } = await maps();
  if (/^[0-9A-Fa-f]{8}$/.test(key)) return byTag.get(key.toUpperCase()) ?? null;
  return byKeyword.get(key) ?? null;
}
