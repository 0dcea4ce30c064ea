// The header panel's rows, from real files (tests/fixtures/dicom) and the values dcmdump prints for them.
import { describe, expect, test } from "vitest";
import { decodeDicomFile, transferablesOf } from "@/lib/dicom/decode-file";
import { loadDictionary } from "@/lib/dicom/dictionary";
import { formatTag, type HeaderElement } from "@/lib/dicom/header";
import { parseDicomWithHeader } from "@/lib/dicom/parse";
import { locate, readBytes } from "./support/references";

async function headerOf(file: string): Promise<HeaderElement[]> {
  return (await parseDicomWithHeader(readBytes(locate(file)!))).header;
}
const row = (rows: HeaderElement[], tag: string) => rows.find((r) => r.tag === tag);

describe("DICOM header rows", () => {
  test("an explicit VR file: tags in order, VR from the file, keyword from the dictionary, values as dcmdump shows them", async () => {
    const rows = await headerOf("mr-mono2-12bit-explicit-le.dcm");
    expect(row(rows, "(0002,0010)")).toEqual({ tag: "(0002,0010)", vr: "UI", keyword: "TransferSyntaxUID", value: "1.2.840.10008.1.2.1", depth: 0 });
    expect(row(rows, "(0028,0010)")).toMatchObject({ vr: "US", keyword: "Rows", value: "1024" });
    expect(row(rows, "(0028,0030)")).toMatchObject({ vr: "DS", keyword: "PixelSpacing", value: "0.195313\\0.195313" });
    expect(row(rows, "(0028,1053)")).toMatchObject({ vr: "DS", keyword: "RescaleSlope", value: "3.774114" });
    expect(row(rows, "(0008,0060)")).toMatchObject({ keyword: "Modality", value: "MR" });
    const tags = rows.filter((r) => r.depth === 0).map((r) => r.tag);
    expect(tags).toEqual([...tags].sort());
  });

  test("an implicit VR file takes each VR from the dictionary", async () => {
    const rows = await headerOf("cr-mono1-10bit-implicit-le.dcm");
    expect(row(rows, "(0028,0010)")).toMatchObject({ vr: "US", keyword: "Rows", value: "1760" });
    expect(row(rows, "(0028,0101)")).toMatchObject({ vr: "US", keyword: "BitsStored", value: "10" });
    expect(row(rows, "(0028,0004)")).toMatchObject({ vr: "CS", value: "MONOCHROME1" });
    expect(row(rows, "(0028,1050)")).toMatchObject({ keyword: "WindowCenter", value: "550" });
  });

  test("pixel data is described, never copied: no row holds more than a short value", async () => {
    for (const file of ["cr-mono1-10bit-implicit-le.dcm", "cr-mono1-10bit-jpegls-lossless.dcm"]) {
      const rows = await headerOf(file);
      const pixels = row(rows, "(7FE0,0010)")!;
      expect(pixels.keyword).toBe("PixelData");
      expect(pixels.value).toMatch(/^pixel data, not shown \(/);
      if (file.includes("jpegls")) expect(pixels.value).toMatch(/fragment/);
      else expect(pixels.value).toContain(`${(1760 * 1760 * 2).toLocaleString("en-US")} bytes`);
      expect(Math.max(...rows.map((r) => r.value.length))).toBeLessThanOrEqual(600);
    }
  });

  test("sequences list their items, indented, and binary values show their length", async () => {
    const rows = await headerOf("voi-lut-sequence.dcm");
    const seq = rows.findIndex((r) => r.tag === "(0028,3010)");
    expect(rows[seq]).toMatchObject({ vr: "SQ", keyword: "VOILUTSequence", depth: 0 });
    expect(rows[seq]!.value).toMatch(/^[1-9]\d* item\(s\)$/);
    expect(rows[seq + 1]).toMatchObject({ tag: "(FFFE,E000)", keyword: "Item 1", depth: 1 });
    const descriptor = rows.slice(seq + 2).find((r) => r.tag === "(0028,3002)")!;
    expect(descriptor.depth).toBe(2);
    expect(descriptor.keyword).toBe("LUTDescriptor");
    expect(descriptor.value.split(" \\ ")).toHaveLength(3);
    const data = rows.slice(seq + 2).find((r) => r.tag === "(0028,3006)")!;
    expect(data.value.length).toBeLessThan(600);
  });

  test("the dictionary names private tags and group lengths without inventing keywords", async () => {
    const { lookup } = await loadDictionary();
    expect(lookup("x00280010")).toEqual({ vr: "US", keyword: "Rows" });
    expect(lookup("00091010")).toBeNull();
    expect(lookup("x00090010")).toEqual({ vr: "LO", keyword: "PrivateCreator" });
    expect(lookup("x00180000")).toEqual({ vr: "UL", keyword: "GroupLength" });
    expect(lookup("x00020000")).toEqual({ vr: "UL", keyword: "FileMetaInformationGroupLength" });
    expect(formatTag("x7fe00010")).toBe("(7FE0,0010)");
  });
});

describe("decodeDicomFile (what the decoding worker returns)", () => {
  test("survives structured clone, drops the file's bytes and transfers only the pixels", async () => {
    const bytes = readBytes(locate("cr-mono1-10bit-jpegls-lossless.dcm")!);
    const result = await decodeDicomFile(bytes);
    expect(result.info.pixelData).toBeNull();
    expect(result.frame).toMatchObject({ kind: "grayscale", rows: 1760, columns: 1760 });
    expect(result.header.length).toBeGreaterThan(20);
    const transfer = transferablesOf(result);
    expect(transfer).toEqual([result.frame.pixels.buffer]);
    const copy = structuredClone(result, { transfer });
    expect(copy.frame.pixels.length).toBe(1760 * 1760);
    expect(result.frame.pixels.length).toBe(0); // moved, not copied
  });

  test("a truncated file fails with the parse error, before any header is returned", async () => {
    await expect(decodeDicomFile(readBytes(locate("truncated-j2k.dcm")!))).rejects.toThrow(/truncated/);
  });
});
