// The header panel's tag names come from dcmjs's data dictionary (PS3.6), through the compact
// lib/dicom/dictionary.json: the committed file must match the installed package, and no standard tag
// of a real file may be left unnamed.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { createDictionary, loadDictionary, type DictionaryData } from "@/lib/dicom/dictionary";
import { isDicomError } from "@/lib/dicom/errors";
import type { HeaderElement } from "@/lib/dicom/header";
import { parseDicomWithHeader } from "@/lib/dicom/parse";
import { buildDictionaryData, dcmjsDictionary, serializeDictionaryData } from "@/scripts/lib/dicom-dictionary-source";
import { buildDicom, grayscaleImage } from "./support/build-dicom";
import { FIXTURES } from "./support/references";

const committed = fs.readFileSync(path.resolve(import.meta.dirname, "../../lib/dicom/dictionary.json"), "utf8");

/** The rows the panel shows, also for files whose pixels cannot be read (the error carries the header). */
async function headerOf(bytes: Uint8Array): Promise<HeaderElement[]> {
  try {
    return (await parseDicomWithHeader(bytes)).header;
  } catch (e) {
    if (isDicomError(e) && e.header) return e.header;
    throw e;
  }
}

// Even groups are PS3.6 attributes; (FFFE,E000) items are listed by the header itself as "Item n".
const isStandard = (tag: string) => /^\([0-9A-F]{4},[0-9A-F]{4}\)$/.test(tag) && !tag.startsWith("(FFFE,") && parseInt(tag.slice(1, 5), 16) % 2 === 0;
const dcmjsName = (name: string) => (name.startsWith("RETIRED_") ? `${name.slice("RETIRED_".length)} (retired)` : name);

describe("DICOM dictionary", () => {
  test("lib/dicom/dictionary.json is what the installed dcmjs gives (run scripts/generate-dicom-dictionary.ts after an upgrade)", () => {
    expect(committed === serializeDictionaryData(buildDictionaryData()), "lib/dicom/dictionary.json is stale: npx tsx scripts/generate-dicom-dictionary.ts").toBe(true);
    expect(Object.keys((JSON.parse(committed) as DictionaryData).tags).length).toBeGreaterThan(4000);
  });

  test("every standard tag of every fixture file is named as dcmjs names it; private tags say whose group; no delimiters", async () => {
    const files = fs.readdirSync(FIXTURES).filter((f) => f.endsWith(".dcm"));
    expect(files.length).toBeGreaterThanOrEqual(10);
    const dcmjs = dcmjsDictionary();
    for (const file of files) {
      const rows = await headerOf(new Uint8Array(fs.readFileSync(path.join(FIXTURES, file))));
      expect(rows.length, file).toBeGreaterThan(10);
      const unknownStandard = rows.filter((r) => isStandard(r.tag) && r.keyword === null && dcmjs[r.tag] !== undefined);
      expect(unknownStandard.map((r) => r.tag), file).toEqual([]);
      for (const r of rows) {
        const entry = isStandard(r.tag) ? dcmjs[r.tag] : undefined;
        if (entry) expect(r.keyword, `${file} ${r.tag}`).toBe(dcmjsName(entry.name));
        if (/^\([0-9A-F]{3}[13579BDF],/.test(r.tag)) expect(r.keyword, `${file} ${r.tag}`).toMatch(/^(private \(group [0-9A-F]{4}\)|PrivateCreator|GroupLength)$/);
      }
      expect(rows.filter((r) => r.tag === "(FFFE,E00D)" || r.tag === "(FFFE,E0DD)"), file).toEqual([]);
    }
  });

  test("an implicit VR file gets a VR for every standard tag from the dictionary", async () => {
    const rows = await headerOf(new Uint8Array(fs.readFileSync(path.join(FIXTURES, "cr-mono1-10bit-implicit-le.dcm"))));
    expect(rows.filter((r) => isStandard(r.tag) && r.vr === null).map((r) => r.tag)).toEqual([]);
  });

  test("known names, repeating groups, retired and private tags; item delimiters of undefined-length sequences hidden", async () => {
    const image = grayscaleImage({
      rows: 2,
      columns: 2,
      bitsAllocated: 16,
      bitsStored: 12,
      highBit: 11,
      extra: [
        { tag: 0x00181164, vr: "DS", value: "0.143\\0.143" },
        { tag: 0x00280030, vr: "DS", value: "0.2\\0.2" },
        { tag: 0x00281050, vr: "DS", value: "2048" },
        { tag: 0x00281051, vr: "DS", value: "4096" },
        { tag: 0x00080040, vr: "US", value: [1] }, // retired DataSetType
        { tag: 0x00290010, vr: "LO", value: "SIEMENS CSA HEADER" },
        { tag: 0x00291008, vr: "CS", value: "IMAGE NUM 4" },
        { tag: 0x60020010, vr: "US", value: [2] },
      ],
    });
    const bytes = buildDicom({ elements: image });
    // A Digital Signatures Sequence after the pixels, written as scanners do: undefined lengths, closed by delimiters.
    const le = (...words: number[]) => new Uint8Array(new Uint16Array(words).buffer);
    const tail = new Uint8Array([
      ...le(0xfffa, 0xfffa), ..."SQ".split("").map((c) => c.charCodeAt(0)), 0, 0, 0xff, 0xff, 0xff, 0xff,
      ...le(0xfffe, 0xe000), 0xff, 0xff, 0xff, 0xff,
      ...le(0x0400, 0x0020), ..."AT".split("").map((c) => c.charCodeAt(0)), ...le(4, 0x0028, 0x0010),
      ...le(0xfffe, 0xe00d), 0, 0, 0, 0,
      ...le(0xfffe, 0xe0dd), 0, 0, 0, 0,
    ]);
    const rows = await headerOf(new Uint8Array([...bytes, ...tail]));
    const name = (tag: string) => rows.find((r) => r.tag === tag)?.keyword;
    expect(name("(0028,1050)")).toBe("WindowCenter");
    expect(name("(0028,1051)")).toBe("WindowWidth");
    expect(name("(0018,1164)")).toBe("ImagerPixelSpacing");
    expect(name("(0028,0030)")).toBe("PixelSpacing");
    expect(name("(6002,0010)")).toBe("OverlayRows");
    expect(name("(0008,0040)")).toBe("DataSetType (retired)");
    expect(name("(0029,0010)")).toBe("PrivateCreator");
    expect(name("(0029,1008)")).toBe("private (group 0029)");
    expect(name("(FFFA,FFFA)")).toBe("DigitalSignaturesSequence");
    expect(name("(0400,0020)")).toBe("DataElementsSigned");
    expect(rows.map((r) => r.tag)).toContain("(FFFE,E000)");
    expect(rows.map((r) => r.tag).filter((t) => t === "(FFFE,E00D)" || t === "(FFFE,E0DD)")).toEqual([]);
    expect(rows.some((r) => r.keyword === null)).toBe(false);
  });

  test("the lookup itself: repeating groups only on even groups, unknown standard tags stay unknown", async () => {
    const { lookup } = await loadDictionary();
    expect(lookup("x60003000")).toEqual({ vr: "OW", keyword: "OverlayData" });
    expect(lookup("x601E3000")).toEqual({ vr: "OW", keyword: "OverlayData" });
    expect(lookup("x60013000")).toBeNull();
    expect(lookup("x00181164")).toEqual({ vr: "DS", keyword: "ImagerPixelSpacing" });
    expect(lookup("x0028FFF0")).toBeNull();
    const tiny = createDictionary({ source: "test", tags: {}, ranges: [["6000", "60FE", "3000", "OW OverlayData"]] });
    expect(tiny.lookup("x61003000")).toBeNull();
    expect(tiny.lookup("x00280000")).toEqual({ vr: "UL", keyword: "GroupLength" });
  });
});
