import { readdirSync, readFileSync } from "node:fs";
import dcmjs from "dcmjs";
import { describe, expect, it } from "vitest";
import dicomParser from "@/lib/dicom/dicom-parser-module";
import { loadDictionary } from "@/lib/dicom/dictionary";
import { toDicomJson, type DicomJson } from "@/lib/dicomweb/dicom-json";

// The DICOM JSON labgate writes (dicom-parser + its own writer) against dcmjs's reading of the same
// files, over every reference file the viewer is tested with: explicit and implicit VR, big endian,
// compressed, sequences nested two deep, person names, numbers in strings, colour.
type Element = { vr: string; Value?: unknown[] };
const BINARY = new Set(["OB", "OW", "OF", "OD", "OL", "OV", "UN"]);
const readDcmjs = (bytes: Buffer) =>
  (dcmjs as unknown as { data: { DicomMessage: { readFile(b: ArrayBuffer): { dict: Record<string, Element> } } } }).data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer).dict;

/** Comparable form: binary elements, file meta and dcmjs's own keys left out; an empty value is no value (PS3.18 F.2.5). */
function normalise(json: Record<string, Element>, binaryTags: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [tag, e] of Object.entries(json)) {
    // dcmjs rewrites SpecificCharacterSet to ISO_IR 192 after decoding; the file's own value is the truth.
    if (tag.startsWith("0002") || tag === "7FE00010" || tag === "00080005" || BINARY.has(e.vr) || binaryTags.has(tag)) continue;
    const values = (e.Value ?? []).map((v) => (v && typeof v === "object" && !("Alphabetic" in v) ? normalise(v as Record<string, Element>, binaryTags) : v));
    out[tag] = { vr: e.vr, Value: values.length === 1 && values[0] === "" ? [] : values };
  }
  return out;
}

describe("toDicomJson", () => {
  const files = readdirSync("tests/fixtures/dicom").filter((n) => n.endsWith(".dcm") && !/truncated|deflated/.test(n));

  it.each(files)("writes %s as dcmjs reads it", async (name) => {
    const dictionary = await loadDictionary();
    const bytes = readFileSync(`tests/fixtures/dicom/${name}`);
    const dataSet = dicomParser.parseDicom(new Uint8Array(bytes), { vrCallback: (t: string) => dictionary.lookup(t)?.vr.slice(0, 2) } as never);
    const ours: DicomJson = toDicomJson(dataSet, { dictionary, binary: "omit" });
    const theirs = readDcmjs(bytes);
    // LUT Data is "US or OW": dcmjs keeps it binary, the index writes the words; neither is wrong.
    const ambiguous = new Set(["00283006", "00281201", "00281202", "00281203"]);
    expect(Object.keys(ours).length).toBeGreaterThan(10);
    expect(normalise(ours as Record<string, Element>, ambiguous)).toEqual(normalise(theirs, ambiguous));
  });

  it("writes person names as components and leaves binary values out of the index", async () => {
    const dictionary = await loadDictionary();
    const bytes = readFileSync("tests/fixtures/dicom/mr-mono2-12bit-explicit-le.dcm");
    const dataSet = dicomParser.parseDicom(new Uint8Array(bytes));
    const json = toDicomJson(dataSet, { dictionary, binary: "omit" });
    const name = json["00100010"]!.Value![0] as { Alphabetic?: string };
    expect(typeof name.Alphabetic).toBe("string");
    expect(json["7FE00010"]).toBeUndefined();
    const withPixels = toDicomJson(dataSet, { dictionary, binary: "inline", pixelDataUri: "https://x/frames/1" });
    expect(withPixels["7FE00010"]).toEqual({ vr: "OW", BulkDataURI: "https://x/frames/1" });
  });
});
