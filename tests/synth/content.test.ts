import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LABELS } from "@/lib/mimic/import/file-specs";
import { synthDir, type SynthDir } from "./synth-dir";

/** 2,000 studies of MIMIC-CXR-JPG 2.1.0: big enough for prevalence, small enough to stay fast. */
let dir: SynthDir;
let chexpert: string[][];
let metadata: string[][];
beforeAll(async () => {
  dir = await synthDir({ project: "mimic-cxr-jpg", version: "2.1.0", studies: 2000, seed: 2024 });
  chexpert = dir.rows("mimic-cxr-2.0.0-chexpert.csv.gz").slice(1);
  metadata = dir.rows("mimic-cxr-2.0.0-metadata.csv.gz").slice(1);
});
afterAll(() => dir.cleanup());

const col = (label: string) => 2 + LABELS.indexOf(label as (typeof LABELS)[number]);
const share = (label: string, value: string) => chexpert.filter((r) => r[col(label)] === value).length / chexpert.length;

describe("synthetic labels", () => {
  it("use the four states of the real files, and nothing else", () => {
    const states = new Set(chexpert.flatMap((r) => r.slice(2)));
    expect([...states].sort()).toEqual(["", "-1.0", "0.0", "1.0"]);
    for (const r of chexpert) expect(r).toHaveLength(2 + LABELS.length);
  });

  it("have plausible prevalence", () => {
    const ranges: [string, number, number][] = [
      ["No Finding", 0.25, 0.42],
      ["Support Devices", 0.2, 0.38],
      ["Pleural Effusion", 0.17, 0.31],
      ["Lung Opacity", 0.15, 0.3],
      ["Atelectasis", 0.14, 0.27],
      ["Cardiomegaly", 0.14, 0.28],
      ["Edema", 0.07, 0.18],
      ["Pneumonia", 0.03, 0.11],
      ["Pneumothorax", 0.02, 0.08],
      ["Pleural Other", 0, 0.03],
    ];
    for (const [label, lo, hi] of ranges) {
      const p = share(label, "1.0");
      expect(p, label).toBeGreaterThanOrEqual(lo);
      expect(p, label).toBeLessThanOrEqual(hi);
    }
    expect(share("Pneumonia", "-1.0"), "uncertain pneumonia").toBeGreaterThan(0.08);
    expect(share("Pneumothorax", "0.0"), "negated pneumothorax").toBeGreaterThan(0.12);
  });

  it("follow the CheXpert rule: No Finding only when no pathology is positive or uncertain", () => {
    const pathologies = LABELS.filter((l) => l !== "No Finding" && l !== "Support Devices").map(col);
    for (const r of chexpert) {
      const abnormal = pathologies.some((i) => r[i] === "1.0" || r[i] === "-1.0");
      expect(r[col("No Finding")], r.join(",")).toBe(abnormal ? "" : "1.0");
    }
  });

  it("co-occur as in real reports: effusion with atelectasis and edema", () => {
    const effusion = chexpert.filter((r) => r[col("Pleural Effusion")] === "1.0");
    const others = chexpert.filter((r) => r[col("Pleural Effusion")] !== "1.0" && r[col("No Finding")] !== "1.0");
    const rate = (rows: string[][], label: string) => rows.filter((r) => r[col(label)] === "1.0").length / rows.length;
    expect(rate(effusion, "Atelectasis")).toBeGreaterThan(rate(others, "Atelectasis") * 1.4);
    expect(rate(effusion, "Edema")).toBeGreaterThan(rate(others, "Edema") * 1.4);
  });

  it("cover the test split with radiologist labels and NegBio mostly agreeing with CheXpert", () => {
    const split = dir.rows("mimic-cxr-2.0.0-split.csv.gz").slice(1);
    const testStudies = new Set(split.filter((r) => r[3] === "test").map((r) => r[1]));
    const labelled = new Set(chexpert.map((r) => r[1]));
    const testLabels = dir.rows("mimic-cxr-2.1.0-test-set-labeled.csv").slice(1);
    expect(testLabels.length).toBeGreaterThan(0);
    expect(new Set(testLabels.map((r) => r[0]))).toEqual(new Set([...testStudies].filter((s) => labelled.has(s))));
    const negbio = dir.rows("mimic-cxr-2.0.0-negbio.csv.gz").slice(1);
    expect(negbio.map((r) => r[1])).toEqual(chexpert.map((r) => r[1]));
    const cells = chexpert.flatMap((r, i) => r.slice(2).map((v, j) => v === negbio[i]![j + 2]));
    const agree = cells.filter(Boolean).length / cells.length;
    expect(agree).toBeGreaterThan(0.95);
    expect(agree).toBeLessThan(1);
  });
});

describe("synthetic metadata", () => {
  it("has MIMIC identifiers, dates, times and sizes in the real formats", () => {
    for (const [dicom, subject, study, , , rows, columns, date, time] of metadata) {
      expect(dicom).toMatch(/^[0-9a-f]{8}(-[0-9a-f]{8}){4}$/);
      expect(subject).toMatch(/^1\d{7}$/);
      expect(study).toMatch(/^5\d{7}$/);
      expect(date).toMatch(/^2(1\d\d|200)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/);
      // HHMMSS.fff as a float: leading zeros dropped, so 1–6 digits before the dot.
      expect(time).toMatch(/^\d{1,6}\.\d{1,3}$/);
      const hhmmss = time!.split(".")[0]!.padStart(6, "0");
      expect(Number(hhmmss.slice(0, 2))).toBeLessThan(24);
      expect(Number(hhmmss.slice(2, 4))).toBeLessThan(60);
      expect(Number(rows)).toBeGreaterThan(1500);
      expect(Number(columns)).toBeGreaterThan(1500);
    }
    expect(metadata.some((r) => r[8]!.split(".")[0]!.length < 6), "an unpadded StudyTime").toBe(true);
    expect(new Set(metadata.map((r) => r[0])).size).toBe(metadata.length);
  });

  it("has the real view positions, including empty ones, and orientations", () => {
    const views = new Map<string, number>();
    for (const r of metadata) views.set(r[4]!, (views.get(r[4]!) ?? 0) + 1);
    for (const v of ["AP", "PA", "LATERAL", "LL", ""]) expect(views.get(v), v || "(empty)").toBeGreaterThan(0);
    expect((views.get("AP")! + views.get("PA")!) / metadata.length).toBeGreaterThan(0.5);
    expect(new Set(metadata.map((r) => r[11]))).toEqual(new Set(["Erect", "Recumbent", ""]));
  });

  it("has ~1.7 images per study and ~3.5 studies per patient, sorted by subject and study", () => {
    const studies = new Set(metadata.map((r) => r[2]));
    const subjects = new Set(metadata.map((r) => r[1]));
    expect(studies.size).toBe(2000);
    expect(metadata.length / studies.size).toBeGreaterThan(1.5);
    expect(metadata.length / studies.size).toBeLessThan(1.85);
    expect(studies.size / subjects.size).toBeGreaterThan(2.7);
    expect(studies.size / subjects.size).toBeLessThan(4.5);
    const keys = metadata.map((r) => `${r[1]} ${r[2]} ${r[0]}`);
    expect(keys).toEqual([...keys].sort());
    expect(dir.result).toMatchObject({ studies: 2000, images: metadata.length, patients: subjects.size });
  });

  it("splits by patient, and the split and IMAGE_FILENAMES cover exactly the metadata images", () => {
    const split = dir.rows("mimic-cxr-2.0.0-split.csv.gz").slice(1);
    expect(split.map((r) => r[0])).toEqual(metadata.map((r) => r[0]));
    const bySubject = new Map<string, Set<string>>();
    for (const [, , subject, s] of split) bySubject.set(subject!, (bySubject.get(subject!) ?? new Set()).add(s!));
    for (const set of bySubject.values()) expect(set.size).toBe(1);
    expect(new Set(split.map((r) => r[3]))).toEqual(new Set(["train", "validate", "test"]));
    const filenames = dir.text("IMAGE_FILENAMES").trimEnd().split("\n");
    expect(filenames).toEqual(metadata.map(([dicom, subject, study]) => `files/p${subject!.slice(0, 2)}/p${subject}/s${study}/${dicom}.jpg`));
  });
});
