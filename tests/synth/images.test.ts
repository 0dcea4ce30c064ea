import { readFileSync } from "node:fs";
import path from "node:path";
import dicomParser from "dicom-parser";
import jpeg from "jpeg-js";
import { afterAll, describe, expect, it } from "vitest";
import { synthDir, type SynthDir } from "./synth-dir";

const made: SynthDir[] = [];
afterAll(() => made.forEach((d) => d.cleanup()));

describe("--images", () => {
  it("writes DICOM Part 10 files for the first studies of MIMIC-CXR that dicom-parser reads", async () => {
    const dir = await synthDir({ project: "mimic-cxr", version: "2.0.0", studies: 30, seed: 9, images: 4 });
    made.push(dir);
    const records = dir.rows("cxr-record-list.csv.gz").slice(1);
    const firstStudies = [...new Set(records.map((r) => r[1]))].slice(0, 4);
    const expected = records.filter((r) => firstStudies.includes(r[1]));
    const dcm = dir.result.files.filter((f) => f.endsWith(".dcm"));
    expect(dcm).toEqual(expected.map((r) => r[3]).sort());
    const studyList = dir.rows("cxr-study-list.csv.gz").slice(1);
    expect(dir.result.files.filter((f) => f.startsWith("files/") && f.endsWith(".txt"))).toEqual(studyList.slice(0, 4).map((r) => r[2]).sort());
    expect(dir.text("SHA256SUMS.txt")).toContain(dcm[0]);
    for (const [subject, study, , rel] of expected) {
      const bytes = readFileSync(path.join(dir.out, rel!));
      expect(bytes.subarray(128, 132).toString("latin1")).toBe("DICM");
      const ds = dicomParser.parseDicom(new Uint8Array(bytes));
      expect(ds.string("x00020010")).toBe("1.2.840.10008.1.2.1");
      expect(ds.string("x00100020")).toBe(subject);
      expect(ds.string("x00200010")).toBe(study);
      expect(ds.string("x0020000d")).toMatch(/^2\.25\.\d+$/);
      expect(ds.string("x00080018")).toBe(ds.string("x00020003"));
      expect(ds.uint16("x00280010")).toBe(64);
      expect(ds.uint16("x00280011")).toBe(64);
      expect(ds.uint16("x00280100")).toBe(16);
      expect(ds.uint16("x00280101")).toBe(12);
      expect(ds.string("x00280004")).toBe("MONOCHROME2");
      expect(ds.floatString("x00281050")).toBe(2048);
      expect(ds.floatString("x00281051")).toBe(4096);
      const pixels = ds.elements.x7fe00010!;
      expect(pixels.length).toBe(64 * 64 * 2);
      const values = new Uint16Array(bytes.buffer.slice(bytes.byteOffset + pixels.dataOffset, bytes.byteOffset + pixels.dataOffset + pixels.length));
      expect(Math.max(...values)).toBeLessThanOrEqual(4095);
      // A picture, not a flat field: the body is brighter than the corners.
      expect(values[32 * 64 + 32]!).toBeGreaterThan(values[0]! + 500);
    }
    const views = new Set(expected.map(([, , , rel]) => dicomParser.parseDicom(new Uint8Array(readFileSync(path.join(dir.out, rel!)))).string("x00185101") ?? ""));
    expect(views.size).toBeGreaterThan(0);
  });

  it("writes JPEGs for MIMIC-CXR-JPG that jpeg-js decodes", async () => {
    const dir = await synthDir({ project: "mimic-cxr-jpg", version: "2.1.0", studies: 30, seed: 9, images: 3 });
    made.push(dir);
    const jpgs = dir.result.files.filter((f) => f.endsWith(".jpg"));
    const listed = dir.text("IMAGE_FILENAMES").trimEnd().split("\n");
    expect(jpgs.length).toBeGreaterThanOrEqual(3);
    expect(listed.slice(0, jpgs.length)).toEqual(jpgs);
    for (const rel of jpgs) {
      const img = jpeg.decode(readFileSync(path.join(dir.out, rel)), { useTArray: true });
      expect([img.width, img.height]).toEqual([64, 64]);
      expect(img.data[(32 * 64 + 32) * 4]!).toBeGreaterThan(img.data[0]! + 30);
    }
  });

  it("uses the same dicom_ids as the CSVs of the other project", async () => {
    const jpg = made[1]!;
    const metadata = jpg.rows("mimic-cxr-2.0.0-metadata.csv.gz").slice(1);
    const ids = new Set(metadata.map((r) => r[0]));
    for (const rel of jpg.result.files.filter((f) => f.endsWith(".jpg"))) expect(ids.has(path.basename(rel, ".jpg"))).toBe(true);
  });
});
