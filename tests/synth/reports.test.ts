import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LABELS } from "@/lib/mimic/import/file-specs";
import { readZip } from "./read-zip";
import { synthDir, type SynthDir } from "./synth-dir";

/** The same 2,000 studies as MIMIC-CXR (reports) and MIMIC-CXR-JPG (labels). */
let cxr: SynthDir;
let jpg: SynthDir;
let reports: Map<string, string>;
/** What the labeler reads: the findings and impression, not the indication ("?edema"). */
const findingsOnward = (text: string) => text.slice(text.search(/^ (FINDINGS|IMPRESSION|CONCLUSION|NOTE):/m)).toLowerCase();
beforeAll(async () => {
  [cxr, jpg] = await Promise.all([
    synthDir({ project: "mimic-cxr", version: "2.1.0", studies: 2000, seed: 77 }),
    synthDir({ project: "mimic-cxr-jpg", version: "2.1.0", studies: 2000, seed: 77 }),
  ]);
  reports = new Map([...(await readZip(path.join(cxr.out, "mimic-cxr-reports.zip")))].map(([name, text]) => [name, text ?? ""]));
});
afterAll(() => {
  cxr.cleanup();
  jpg.cleanup();
});

describe("synthetic reports", () => {
  it("are one zip entry per study, at the study list's path", () => {
    const studies = cxr.rows("cxr-study-list.csv.gz").slice(1);
    expect(studies).toHaveLength(2000);
    expect([...reports.keys()]).toEqual(studies.map((r) => r[2]));
    for (const [subject, study, p] of studies) expect(p).toBe(`files/p${subject!.slice(0, 2)}/p${subject}/s${study}.txt`);
  });

  it("have the usual sections, with the usual variety", () => {
    const texts = [...reports.values()];
    const share = (re: RegExp) => texts.filter((t) => re.test(t)).length / texts.length;
    expect(share(/^ +FINAL REPORT$/m)).toBeGreaterThan(0.8);
    expect(share(/^ +FINAL REPORT$/m)).toBeLessThan(1);
    expect(share(/^ EXAMINATION: {2}CHEST/m)).toBeGreaterThan(0.7);
    expect(share(/^ (INDICATION|HISTORY): {2}\S/m)).toBe(1);
    expect(share(/^ TECHNIQUE: {2}/m)).toBeGreaterThan(0.4);
    expect(share(/^ COMPARISON: {2}/m)).toBeGreaterThan(0.8);
    expect(share(/^ FINDINGS: {2}$/m)).toBeGreaterThan(0.75);
    expect(share(/^ FINDINGS: {2}$/m)).toBeLessThan(0.95);
    expect(share(/^ (IMPRESSION|CONCLUSION): {2}$/m)).toBeGreaterThan(0.85);
    expect(share(/^ (IMPRESSION|CONCLUSION): {2}$/m)).toBeLessThan(1);
    expect(share(/___/)).toBeGreaterThan(0.5);
    expect(texts.some((t) => /[^\x00-\x7f]/.test(t)), "a few non-ASCII characters").toBe(true);
    for (const t of texts) for (const line of t.split("\n")) expect(line.length).toBeLessThan(90);
  });

  it("say what the study's labels say", () => {
    const byStudy = new Map([...reports].map(([p, text]) => [/s(\d{8})\.txt$/.exec(p)![1]!, findingsOnward(text)]));
    const checks: [string, RegExp][] = [
      ["Pleural Effusion", /effusion/],
      ["Pneumothorax", /pneumothorax/],
      ["Cardiomegaly", /heart|cardiomegaly|cardiac/],
      ["Edema", /edema/],
      ["Support Devices", /tube|catheter|picc|pacemaker|sternotomy|lines/],
    ];
    const rows = jpg.rows("mimic-cxr-2.0.0-chexpert.csv.gz").slice(1);
    let normal = 0;
    for (const r of rows) {
      const text = byStudy.get(r[1]!)!;
      for (const [label, re] of checks) {
        const v = r[2 + LABELS.indexOf(label as (typeof LABELS)[number])];
        if (v === "1.0" || v === "-1.0" || v === "0.0") expect(text, `${label} ${v} in s${r[1]}`).toMatch(re);
        if (v === "" && label !== "Support Devices" && label !== "Cardiomegaly") expect(text, `${label} not mentioned in s${r[1]}`).not.toMatch(re);
      }
      if (r[2 + LABELS.indexOf("No Finding")] === "1.0") {
        normal++;
        expect(text).toMatch(/no acute|no evidence of acute|lungs are clear/);
      }
    }
    expect(normal).toBeGreaterThan(400);
  });
});
