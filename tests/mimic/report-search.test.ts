import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropSuggestions } from "@/lib/mimic/browse/drop-suggestions";
import { countStudies, listStudies } from "@/lib/mimic/browse/list-studies";
import { HIGHLIGHT_START, HIGHLIGHT_STOP } from "@/lib/mimic/browse/highlight";
import { REPORT_SEARCH_EXAMPLE } from "@/lib/mimic/browse/report-search";
import { parseStudyFilters } from "@/lib/mimic/browse/study-filters";
import { findDataset, importMimicDirectory } from "@/lib/mimic/import/import-directory";
import { LABELS } from "@/lib/mimic/import/file-specs";
import { isolatedDatabaseForFile } from "../support/isolated-database";
import { dicomId, miniCxrFiles, writeMini, type MiniStudy } from "./mini-mimic";

// Its own database: the import replaces the whole MIMIC-CXR 2.0.0 partition, which import.test.ts
// fills with its own reports in the shared one.
isolatedDatabaseForFile();

/**
 * Report search means what it says: every word of a quoted phrase counts, "no" and "is" included, in
 * that order; `-"a phrase"` drops the reports containing that phrase and nothing else. The reports
 * go through the real import (so the import's text configuration is the one searched), and each
 * query's matches are written down by hand below, by reading the sentences, not computed.
 */
const FINDINGS = {
  // Pneumothorax, present, absent and in between.
  ptx_apical: "Small right apical pneumothorax.",
  ptx_left: "Moderate left pneumothorax has increased in size since the prior study.",
  ptx_tension: "Large right tension pneumothorax with leftward mediastinal shift.",
  ptx_caps: "SMALL LEFT APICAL PNEUMOTHORAX.",
  ptx_tiny: "There is a tiny pneumothorax at the right apex.",
  ptx_no: "No pneumothorax.",
  ptx_there_is_no: "There is no pneumothorax.",
  ptx_no_caps: "NO PNEUMOTHORAX.",
  ptx_no_wrapped: "Lungs are clear.  There is no\n pneumothorax.",
  ptx_list: "No pleural effusion or pneumothorax.",
  ptx_no_new: "No new pneumothorax.",
  ptx_no_residual: "Right chest tube in place; no residual pneumothorax.",
  ptx_none_seen: "Evaluate for pneumothorax: none seen.",
  ptx_both_sides: "Small left apical pneumothorax. No pneumothorax on the right.",
  ptx_after_effusion: "Trace right pleural effusion, no pneumothorax.",
  // Pleural effusion.
  eff_small: "Small left pleural effusion.",
  eff_plural: "Bilateral pleural effusions are moderate in size.",
  eff_no: "No pleural effusion.",
  eff_no_plural: "No pleural effusions.",
  eff_no_large: "No large pleural effusion.",
  eff_no_short: "There is no effusion.",
  eff_not_seen: "A pleural effusion is not seen.",
  eff_without: "The lungs are clear without pleural effusion.",
  eff_fluid: "Layering pleural fluid at the left base.",
  eff_loculated: "Loculated right pleural effusion is unchanged.",
  eff_resolved: "The previously seen pleural effusion has resolved.",
  eff_list: "No focal consolidation, pleural effusion or pneumothorax.",
  eff_no_wrapped: "Heart size is normal. No pleural\n effusion.",
  eff_apart: "Effusion at the right base, likely pleural.",
  // Short words that a stop-word list would drop.
  tube_4cm: "Endotracheal tube tip is 4 cm above the carina.",
  tube_2cm: "Endotracheal tube tip is 2 cm above the carina.",
  tube_in: "The NG tube is in the stomach.",
  heart_limits: "Heart size is at the upper limits of normal.",
  heart_normal: "The heart is normal in size.",
  not_due: "Opacity at the left base is not due to atelectasis.",
  no_acute: "No acute cardiopulmonary process.",
  no_acute_2: "No acute intrathoracic process.",
  acute_fracture: "Acute fracture of the right seventh rib.",
  as_before: "Findings are as before.",
  it_is: "It is unchanged.",
  or_word: "Atelectasis or pneumonia at the right base.",
  cons_without: "Lungs are clear without focal consolidation.",
  cons_dense: "Dense consolidation in the left lower lobe.",
  cons_focal: "Focal consolidation in the right lower lobe.",
  cons_no: "No focal consolidation.",
  // Other findings, none of the words above that matter.
  cardiomegaly: "Moderate cardiomegaly is unchanged.",
  edema: "Mild pulmonary edema.",
  edema_congestion: "Moderate pulmonary edema with vascular congestion.",
  atelectasis: "Mild bibasilar atelectasis.",
  atelectasis_linear: "Linear atelectasis at the left lung base.",
  mediastinum: "The mediastinum is widened.",
  pacemaker: "Left-sided pacemaker with leads in the right atrium and ventricle.",
  picc: "Right PICC line ends in the mid SVC.",
  nodule: "A 6 mm nodule in the right upper lobe.",
  emphysema: "Hyperinflated lungs consistent with emphysema.",
  hernia: "Small hiatal hernia.",
  spine: "Degenerative changes of the thoracic spine.",
  granuloma: "Calcified granuloma in the left upper lobe.",
  clear: "The lungs are clear.",
  scoliosis: "Mild dextroscoliosis of the thoracic spine.",
  sternotomy: "Median sternotomy wires are intact.",
  aspiration: "Patchy opacities in both lower lobes may reflect aspiration.",
  hilar: "Hilar contours are normal.",
} as const;
type Key = keyof typeof FINDINGS;

const PTX_ALL: Key[] = [
  "ptx_apical", "ptx_left", "ptx_tension", "ptx_caps", "ptx_tiny", "ptx_no", "ptx_there_is_no", "ptx_no_caps", "ptx_no_wrapped", "ptx_list",
  "ptx_no_new", "ptx_no_residual", "ptx_none_seen", "ptx_both_sides", "ptx_after_effusion", "eff_list",
];
const NO_PTX: Key[] = ["ptx_no", "ptx_there_is_no", "ptx_no_caps", "ptx_no_wrapped", "ptx_both_sides", "ptx_after_effusion"];
const PLEURAL_EFFUSION: Key[] = [
  "ptx_list", "ptx_after_effusion", "eff_small", "eff_plural", "eff_no", "eff_no_plural", "eff_no_large", "eff_not_seen", "eff_without",
  "eff_loculated", "eff_resolved", "eff_list", "eff_no_wrapped",
];
const NO_PLEURAL_EFFUSION: Key[] = ["ptx_list", "eff_no", "eff_no_plural", "eff_no_wrapped"];
const minus = (a: Key[], b: Key[]) => a.filter((k) => !b.includes(k));

const EXPECTED: [query: string, matches: Key[]][] = [
  ['"no pneumothorax"', NO_PTX],
  // Kept: the positive reports, and the ones that never say the phrase ("no new", "no residual",
  // "no pleural effusion or pneumothorax"): a phrase excludes itself, it does not read negation.
  ['pneumothorax -"no pneumothorax"', ["ptx_apical", "ptx_left", "ptx_tension", "ptx_caps", "ptx_tiny", "ptx_list", "ptx_no_new", "ptx_no_residual", "ptx_none_seen", "eff_list"]],
  ["pneumothorax", PTX_ALL],
  ['"pleural effusion"', PLEURAL_EFFUSION],
  ['"pleural effusions"', PLEURAL_EFFUSION],
  ['"no pleural effusion"', NO_PLEURAL_EFFUSION],
  ['"pleural effusion" -"no pleural effusion"', minus(PLEURAL_EFFUSION, NO_PLEURAL_EFFUSION)],
  // Without quotes the words may stand anywhere.
  ["pleural effusion", [...PLEURAL_EFFUSION, "eff_apart"]],
  ["effusions", [...PLEURAL_EFFUSION, "eff_no_short", "eff_apart"]],
  ['"no effusion"', ["eff_no_short"]],
  ['"is 4 cm above"', ["tube_4cm"]],
  ['"2 cm above the carina"', ["tube_2cm"]],
  ['"is in the"', ["tube_in"]],
  ['"in the mid svc"', ["picc"]],
  ['"at the upper limits of normal"', ["heart_limits"]],
  ['"the heart is normal"', ["heart_normal"]],
  ['"is not due to"', ["not_due"]],
  ['"no acute"', ["no_acute", "no_acute_2"]],
  ['"as before"', ["as_before"]],
  ['"it is unchanged"', ["it_is"]],
  ['"is unchanged"', ["it_is", "cardiomegaly", "eff_loculated"]],
  ['"atelectasis or pneumonia"', ["or_word"]],
  ['"without focal consolidation"', ["cons_without"]],
  ['"no focal consolidation"', ["cons_no", "eff_list"]],
  ['"focal consolidation" -"no focal consolidation" -"without focal consolidation"', ["cons_focal"]],
  ['pneumothorax or "no effusion"', [...PTX_ALL, "eff_no_short"]],
];

const KEYS = Object.keys(FINDINGS) as Key[];
const studyOf = (k: Key) => 50_000_000 + KEYS.indexOf(k) * 101;
const keyOf = (study: number) => KEYS[(study - 50_000_000) / 101]!;

function report(findings: string): string {
  return `                                 FINAL REPORT\n EXAMINATION:  CHEST (PA AND LAT)\n\n INDICATION:  ___\n\n FINDINGS:\n \n ${findings}\n`;
}

let root: string;
let datasetId: string;

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "labgate-report-search-"));
  const studies: MiniStudy[] = KEYS.map((k, i) => ({
    subject: 10_000_000 + i,
    study: studyOf(k),
    images: [{ dicom: dicomId(i), view: "PA", split: "train", date: "21800101", time: "120000" }],
    chexpert: LABELS.map(() => ""),
    negbio: LABELS.map(() => ""),
    report: report(FINDINGS[k]),
  }));
  const ds = (await findDataset({ slug: "mimic-cxr", version: "2.0.0" }))!;
  datasetId = ds.id;
  const result = await importMimicDirectory({ dir: writeMini(path.join(root, "cxr"), await miniCxrFiles(studies)), dataset: ds });
  expect(result.counts).toMatchObject({ reports: KEYS.length });
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function search(q: string) {
  const parsed = parseStudyFilters(new URLSearchParams({ q, size: "200" }));
  if (!parsed.ok) throw new Error(parsed.errors.join("; "));
  const page = await listStudies({ datasetId, filters: parsed.filters });
  return { page, count: await countStudies({ datasetId, filters: parsed.filters }) };
}

describe("report search", () => {
  it("searches at least 50 written-down reports", () => {
    expect(KEYS.length).toBeGreaterThanOrEqual(50);
    for (const [, matches] of EXPECTED) for (const k of matches) expect(KEYS).toContain(k);
  });

  it.each(EXPECTED)("%s finds the reports written down for it", async (q, matches) => {
    const { page, count } = await search(q);
    const got = page.rows.map((r) => keyOf(r.studyId)).sort();
    expect(got).toEqual([...new Set(matches)].sort());
    expect(page.total).toBe(matches.length);
    expect(count).toBe(matches.length);
  });

  it("gives the right answer for the search box's own example", async () => {
    const [, matches] = EXPECTED.find(([q]) => q === REPORT_SEARCH_EXAMPLE)!;
    const { page } = await search(REPORT_SEARCH_EXAMPLE);
    expect(page.rows.map((r) => keyOf(r.studyId)).sort()).toEqual([...matches].sort());
    expect(page.rows.map((r) => keyOf(r.studyId))).toContain("ptx_apical");
  });

  it("highlights the phrase's short words in each row's snippet", async () => {
    const { page } = await search('"no pneumothorax"');
    const mark = (w: string) => new RegExp(`${HIGHLIGHT_START}${w}${HIGHLIGHT_STOP}`, "i");
    for (const row of page.rows) {
      expect(row.snippet, keyOf(row.studyId)).toMatch(mark("no"));
      expect(row.snippet, keyOf(row.studyId)).toMatch(mark("pneumothorax"));
    }
  });

  it("offers, for an empty result, each filter with the studies found without it", async () => {
    const parsed = parseStudyFilters(new URLSearchParams({ q: '"no pneumothorax"', from: "2190-01-01", view: "" }));
    if (!parsed.ok) throw new Error(parsed.errors.join("; "));
    expect((await listStudies({ datasetId, filters: parsed.filters })).total).toBe(0);
    const drops = await dropSuggestions({ datasetId, filters: parsed.filters });
    // Every study is dated 2180-01-01, its image without a view position (MIMIC-CXR ships no
    // metadata): only dropping the date brings studies back.
    expect(drops.map((d) => [d.text, d.studies])).toEqual([
      ["View: (none)", 0],
      ["Study date from 2190-01-01", NO_PTX.length],
      ['Report: "no pneumothorax"', 0],
    ]);
  });
});
