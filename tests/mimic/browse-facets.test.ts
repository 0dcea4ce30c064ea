import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { countStudies, listStudies } from "@/lib/mimic/browse/list-studies";
import { iterateStudies } from "@/lib/mimic/browse/iterate-studies";
import { labelCooccurrence } from "@/lib/mimic/browse/label-cooccurrence";
import { parseStudyFilters, type StudyFilters } from "@/lib/mimic/browse/study-filters";
import { LABELS } from "@/lib/mimic/import/file-specs";
import { findDataset, importMimicDirectory } from "@/lib/mimic/import/import-directory";
import { writeSyntheticVersion } from "@/lib/mimic/synth/write-version";
import { LABEL_STATES, SPLITS, type LabelState } from "@/lib/mimic/tokens";
import { isolatedDatabaseForFile } from "../support/isolated-database";

// Its own database: the counts below are over every study of the dataset.
isolatedDatabaseForFile();

/**
 * The explorer filters and counts on mimic_study_facet's bit columns. Every figure here is checked
 * against SQL over the wide study rows (label arrays, view and split arrays), which share nothing
 * with the bit encoding, on a synthetic version large enough that every label state occurs.
 */
let root: string;
let datasetId: string;

type Study = { study_id: number; chexpert: (number | null)[] | null; negbio: (number | null)[] | null; views: string[]; splits: string[]; study_date: string | null };
let studies: Study[];

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "labgate-facets-"));
  await writeSyntheticVersion({ out: root, project: "mimic-cxr-jpg", version: "2.0.0", studies: 1500, seed: 11 });
  const ds = (await findDataset({ slug: "mimic-cxr-jpg", version: "2.0.0" }))!;
  datasetId = ds.id;
  await importMimicDirectory({ dir: root, dataset: ds });
  const rows = await getDb().execute<Study>(
    sql`select study_id, chexpert, negbio, views, splits, to_char(study_date, 'YYYY-MM-DD') as study_date from mimic_study where dataset_id = ${datasetId}`,
  );
  studies = rows.rows;
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const stateOf = (v: number | null | undefined, labels: unknown): LabelState | null =>
  labels === null ? null : v === 1 ? "positive" : v === 0 ? "negative" : v === -1 ? "uncertain" : "not-mentioned";

function filters(q: string): StudyFilters {
  const parsed = parseStudyFilters(new URLSearchParams(q));
  if (!parsed.ok) throw new Error(parsed.errors.join("; "));
  return parsed.filters;
}

/** The same filter, applied in the test to the wide rows. */
function matches(s: Study, f: StudyFilters): boolean {
  const labels = f.labeler === "negbio" ? s.negbio : s.chexpert;
  for (const l of f.labels) {
    const state = stateOf(labels?.[LABELS.indexOf(l.label)], labels);
    if (!state || !l.states.includes(state)) return false;
  }
  if (f.views.length && !f.views.some((v) => s.views.includes(v))) return false;
  if (f.splits.length && !f.splits.some((v) => s.splits.includes(v))) return false;
  if (f.from && (!s.study_date || s.study_date < f.from)) return false;
  if (f.to && (!s.study_date || s.study_date > f.to)) return false;
  return true;
}

const QUERIES = [
  "",
  "label=Edema:positive",
  "labeler=negbio&label=Pneumonia:uncertain&label=Pneumonia:negative",
  "label=No Finding:positive&label=Support Devices:not-mentioned&view=PA&split=train",
  "label=Cardiomegaly:positive&label=Edema:uncertain&view=AP&view=PA",
  "split=validate&split=test&from=2150-01-01&to=2170-12-31",
  "view=LATERAL&label=Pleural Effusion:negative&sort=study_id&dir=asc",
];

describe("explorer facets on the facet table", () => {
  it("counts every label state, view and split as the wide rows do", async () => {
    for (const q of QUERIES) {
      const f = filters(q);
      const want = studies.filter((s) => matches(s, f));
      const page = await listStudies({ datasetId, filters: f });
      expect(page.total, q).toBe(want.length);
      expect(await countStudies({ datasetId, filters: f }), q).toBe(want.length);
      for (const [i, label] of LABELS.entries()) {
        for (const state of LABEL_STATES) {
          const n = want.filter((s) => {
            const labels = f.labeler === "negbio" ? s.negbio : s.chexpert;
            return stateOf(labels?.[i], labels) === state;
          }).length;
          expect(page.facets.labels[label][state], `${q}: ${label} ${state}`).toBe(n);
        }
      }
      for (const split of SPLITS) expect(page.facets.splits[split], `${q}: ${split}`).toBe(want.filter((s) => s.splits.includes(split)).length);
      const views = new Set(studies.flatMap((s) => s.views));
      for (const view of views) expect(page.facets.views[view] ?? 0, `${q}: ${view}`).toBe(want.filter((s) => s.views.includes(view)).length);
      expect(page.rows.length, q).toBe(Math.min(50, want.length));
      expect(page.rows.every((r) => want.some((s) => s.study_id === r.studyId)), q).toBe(true);
    }
    // The labels really vary: each state occurs for most labels (No Finding is never negative or
    // uncertain in CheXpert, and the generator follows it).
    const all = await listStudies({ datasetId, filters: filters("") });
    for (const state of LABEL_STATES) expect(LABELS.filter((l) => all.facets.labels[l][state] > 0).length, state).toBeGreaterThanOrEqual(12);
  });

  it("reads the unfiltered counts and co-occurrences the import stored, which match counting live", async () => {
    const stored = await getDb().execute<{ labeler: string; groups: unknown }>(sql`select labeler, groups from mimic_facet_totals where dataset_id = ${datasetId} order by labeler`);
    expect(stored.rows.map((r) => r.labeler)).toEqual(["chexpert", "negbio"]);
    const queries = ["", "labeler=negbio", "sort=subject_id&dir=asc&page=3", "sort=date&dir=asc"];
    const read = () =>
      Promise.all([
        ...queries.map((q) => listStudies({ datasetId, filters: filters(q) })),
        ...["", "labeler=negbio"].map((q) => labelCooccurrence({ datasetId, filters: filters(q) })),
      ]);
    const fromStore = await read();
    await getDb().execute(sql`delete from mimic_facet_totals where dataset_id = ${datasetId}`);
    try {
      expect(fromStore).toEqual(await read());
      // And the stored row is what the unfiltered page reads (a stand-in of 7 train studies).
      const standIn = { part: [5], k: ["1"], n: ["7"], positive: { p: ["0"], n: ["7"] } };
      await getDb().execute(sql`insert into mimic_facet_totals (dataset_id, labeler, groups) values (${datasetId}, 'chexpert', ${JSON.stringify(standIn)}::jsonb)`);
      expect((await listStudies({ datasetId, filters: filters("") })).facets.splits.train).toBe(7);
      expect((await labelCooccurrence({ datasetId, filters: filters("") })).studies).toBe(7);
      await getDb().execute(sql`delete from mimic_facet_totals where dataset_id = ${datasetId}`);
    } finally {
      for (const r of stored.rows) {
        await getDb().execute(sql`insert into mimic_facet_totals (dataset_id, labeler, groups) values (${datasetId}, ${r.labeler}, ${JSON.stringify(r.groups)}::jsonb)`);
      }
    }
  });

  it("pages in the requested order", async () => {
    const f = filters("label=Edema:positive&sort=date&dir=desc&size=10&page=2");
    const want = studies
      .filter((s) => matches(s, f))
      .sort((a, b) => (a.study_date === b.study_date ? b.study_id - a.study_id : a.study_date === null ? 1 : b.study_date === null ? -1 : a.study_date < b.study_date ? 1 : -1))
      .slice(10, 20)
      .map((s) => s.study_id);
    const page = await listStudies({ datasetId, filters: f });
    expect(page.rows.map((r) => r.studyId)).toEqual(want);
  });

  it("counts co-occurring positive labels as the wide rows do", async () => {
    for (const q of ["", "view=PA", "labeler=negbio&split=train"]) {
      const f = filters(q);
      const want = studies.filter((s) => matches(s, f));
      const got = await labelCooccurrence({ datasetId, filters: f });
      expect(got.studies, q).toBe(want.length);
      for (const [i] of LABELS.entries()) {
        for (const [j] of LABELS.entries()) {
          const n = want.filter((s) => {
            const labels = f.labeler === "negbio" ? s.negbio : s.chexpert;
            return labels?.[i] === 1 && labels?.[j] === 1;
          }).length;
          expect(got.counts[i]![j], `${q}: ${LABELS[i]} × ${LABELS[j]}`).toBe(n);
        }
      }
    }
  });

  it("keeps view codes small across imports, and each dataset's facets to itself", async () => {
    const other = mkdtempSync(path.join(tmpdir(), "labgate-facets-2.1.0-"));
    try {
      await writeSyntheticVersion({ out: other, project: "mimic-cxr-jpg", version: "2.1.0", studies: 300, seed: 12 });
      const ds = (await findDataset({ slug: "mimic-cxr-jpg", version: "2.1.0" }))!;
      const before = await getDb().execute<{ codes: number[] }>(sql`select array_agg(code order by code) as codes from mimic_view`);
      expect((await importMimicDirectory({ dir: other, dataset: ds })).status).toBe("succeeded");
      // Known names keep their code and new ones are numbered from the highest, so codes stay 1..n (bit positions).
      const after = await getDb().execute<{ codes: number[]; n: string }>(sql`select array_agg(code order by code) as codes, count(*) as n from mimic_view`);
      expect(after.rows[0]!.codes.slice(0, before.rows[0]!.codes.length)).toEqual(before.rows[0]!.codes);
      expect(after.rows[0]!.codes).toEqual(Array.from({ length: Number(after.rows[0]!.n) }, (_, i) => i + 1));
      expect((await listStudies({ datasetId: ds.id, filters: filters("") })).total).toBe(300);
      expect((await listStudies({ datasetId, filters: filters("") })).total).toBe(studies.length);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it("streams a filtered cohort with the wide rows' labels", async () => {
    const f = filters("label=Edema:positive&label=Edema:uncertain&view=PA");
    const got: number[] = [];
    for await (const row of iterateStudies({ datasetId, filters: f, batchSize: 40 })) {
      got.push(row.studyId);
      expect([1, -1]).toContain(row.chexpert?.[LABELS.indexOf("Edema")]);
    }
    expect(got).toEqual(studies.filter((s) => matches(s, f)).map((s) => s.study_id).sort((a, b) => a - b));
  });
});
