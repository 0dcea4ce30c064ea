// The DICOM data dictionary (PS3.6 section 6) for the header panel: keyword and VR of every standard
// tag. The VR matters for Implicit VR files, whose elements do not carry one. dictionary.json is
// generated from dcmjs (scripts/generate-dicom-dictionary.ts) and loaded as its own chunk on first use,
// so the decoding worker's bundle does not carry ~5,000 entries it needs only once the header is listed.

export type DictionaryData = {
  /** The package and version the file was generated from. */
  source: string;
  /** GGGGEEEE (upper case) → "VR Keyword"; retired keywords keep dcmjs's RETIRED_ prefix. */
  tags: Record<string, string>;
  /** Repeating groups (50xx, 60xx, 7Fxx): [first group, last group, element, "VR Keyword"], even groups only. */
  ranges: [string, string, string, string][];
};

export type DictionaryEntry = { vr: string; keyword: string; retired?: true };
export type TagDictionary = { lookup(tag: string): DictionaryEntry | null };

let loading: Promise<TagDictionary> | null = null;

/** Loads (once) and returns the dictionary. Call early to have it ready by the time a header is listed. */
export function loadDictionary(): Promise<TagDictionary> {
  loading ??= import("./dictionary.json").then(
    (m) => createDictionary(m.default as unknown as DictionaryData),
    (e: unknown) => {
      // A chunk that failed to arrive (network) is asked for again next time rather than failing forever.
      loading = null;
      throw e;
    },
  );
  return loading;
}

export function createDictionary(data: DictionaryData): TagDictionary {
  const ranges = data.ranges.map(([first, last, element, value]) => ({ first: parseInt(first, 16), last: parseInt(last, 16), element, value }));
  return {
    /** `tag` as dicom-parser writes it ("x00280010") or as GGGGEEEE, any case. */
    lookup(tag) {
      const key = tag.replace(/^x/i, "").toUpperCase();
      const group = parseInt(key.slice(0, 4), 16);
      const element = parseInt(key.slice(4), 16);
      // Every group has a length element; private groups (odd numbers) reserve 0010–00FF for creators.
      if (group % 2 === 1) {
        if (element === 0) return { vr: "UL", keyword: "GroupLength" };
        return element >= 0x10 && element <= 0xff ? { vr: "LO", keyword: "PrivateCreator" } : null;
      }
      const value = data.tags[key] ?? ranges.find((r) => group >= r.first && group <= r.last && r.element === key.slice(4))?.value;
      if (value !== undefined) return toEntry(value);
      return element === 0 ? { vr: "UL", keyword: "GroupLength" } : null;
    },
  };
}

function toEntry(value: string): DictionaryEntry {
  const vr = value.slice(0, 2);
  const name = value.slice(3);
  return name.startsWith("RETIRED_") ? { vr, keyword: name.slice("RETIRED_".length), retired: true } : { vr, keyword: name };
}
