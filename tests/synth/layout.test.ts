import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CSV_FILES, IMAGE_FILENAMES, REPORTS_ZIP, SHA256SUMS } from "@/lib/mimic/import/file-specs";
import { writeSyntheticVersion } from "@/lib/mimic/synth/write-version";
import { synthDir, type SynthDir } from "./synth-dir";

const made: SynthDir[] = [];
afterAll(() => made.forEach((d) => d.cleanup()));

function listFiles(dir: string, rel = ""): string[] {
  return readdirSync(path.join(dir, rel)).flatMap((name) => {
    const child = rel ? `${rel}/${name}` : name;
    return statSync(path.join(dir, child)).isDirectory() ? listFiles(dir, child) : [child];
  });
}

const EXPECTED: Record<string, string[]> = {
  "mimic-cxr 2.0.0": ["cxr-record-list.csv.gz", "cxr-study-list.csv.gz", REPORTS_ZIP],
  "mimic-cxr 2.1.0": ["cxr-record-list.csv.gz", "cxr-study-list.csv.gz", "cxr-provider-list.csv.gz", REPORTS_ZIP],
  "mimic-cxr-jpg 2.0.0": ["mimic-cxr-2.0.0-metadata.csv.gz", "mimic-cxr-2.0.0-chexpert.csv.gz", "mimic-cxr-2.0.0-negbio.csv.gz", "mimic-cxr-2.0.0-split.csv.gz"],
  "mimic-cxr-jpg 2.1.0": [
    "mimic-cxr-2.0.0-metadata.csv.gz",
    "mimic-cxr-2.0.0-chexpert.csv.gz",
    "mimic-cxr-2.0.0-negbio.csv.gz",
    "mimic-cxr-2.0.0-split.csv.gz",
    "mimic-cxr-2.1.0-test-set-labeled.csv",
    IMAGE_FILENAMES,
  ],
};

describe.each(Object.keys(EXPECTED))("synthetic %s", (key) => {
  const [project, version] = key.split(" ") as ["mimic-cxr" | "mimic-cxr-jpg", string];
  let dir: SynthDir;
  beforeAll(async () => {
    dir = await synthDir({ project, version, studies: 40, seed: 3 });
    made.push(dir);
  });

  it("writes exactly the files PhysioNet ships, with the importer's headers", () => {
    const top = readdirSync(dir.out).sort();
    expect(top).toEqual([...EXPECTED[key]!, "LICENSE.txt", SHA256SUMS].sort());
    for (const spec of CSV_FILES.filter((f) => top.includes(f.name))) {
      expect(dir.text(spec.name).split("\n")[0], spec.name).toBe(spec.header.join(","));
    }
    expect(dir.result.files).toEqual(listFiles(dir.out).sort());
    expect(dir.result.studies).toBe(40);
  });

  it("lists every file but itself in SHA256SUMS.txt, in PhysioNet's '<hex>  <path>' form, and the sums hold", () => {
    const lines = dir.text(SHA256SUMS).trimEnd().split("\n");
    const listed = lines.map((line) => {
      const m = /^([0-9a-f]{64}) {2}(\S.*)$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(createHash("sha256").update(readFileSync(path.join(dir.out, m![2]!))).digest("hex"), m![2]).toBe(m![1]);
      return m![2]!;
    });
    expect(listed).toEqual(listFiles(dir.out).filter((f) => f !== SHA256SUMS).sort());
  });
});

describe("determinism", () => {
  it("gives byte-identical files for the same seed and different ones for another seed", async () => {
    const opts = { project: "mimic-cxr" as const, version: "2.1.0", studies: 150, images: 2 };
    const [a, b, c] = await Promise.all([synthDir({ ...opts, seed: 11 }), synthDir({ ...opts, seed: 11 }), synthDir({ ...opts, seed: 12 })]);
    made.push(a, b, c);
    expect(a.text(SHA256SUMS)).toBe(b.text(SHA256SUMS));
    expect(a.text(SHA256SUMS)).toContain(".dcm");
    const zipSum = (d: SynthDir) => d.text(SHA256SUMS).split("\n").find((l) => l.endsWith(REPORTS_ZIP));
    expect(zipSum(a)).toBe(zipSum(b));
    expect(zipSum(a)).not.toBe(zipSum(c));
  });

  it("describes the same subjects, studies and dicom_ids in both projects for one seed", async () => {
    const [cxr, jpg] = await Promise.all([
      synthDir({ project: "mimic-cxr", version: "2.0.0", studies: 120, seed: 5 }),
      synthDir({ project: "mimic-cxr-jpg", version: "2.0.0", studies: 120, seed: 5 }),
    ]);
    made.push(cxr, jpg);
    const records = cxr.rows("cxr-record-list.csv.gz").slice(1).map(([subject, study, dicom]) => `${subject} ${study} ${dicom}`);
    const metadata = jpg.rows("mimic-cxr-2.0.0-metadata.csv.gz").slice(1).map(([dicom, subject, study]) => `${subject} ${study} ${dicom}`);
    expect(records).toEqual(metadata);
  });

  it("refuses a version it does not know", async () => {
    const out = path.join(tmpdir(), `labgate-synth-never-${process.pid}`);
    await expect(writeSyntheticVersion({ out, project: "mimic-cxr", version: "3.0.0", studies: 5 })).rejects.toThrow(/unknown version/);
    expect(existsSync(out)).toBe(false);
  });
});
