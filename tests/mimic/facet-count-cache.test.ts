import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { cachedCounts, clearFacetCountCache, countsKey, hasCountsEntry } from "@/lib/mimic/browse/facet-count-cache";
import { countStudies, listStudies } from "@/lib/mimic/browse/list-studies";
import { parseStudyFilters, type StudyFilters } from "@/lib/mimic/browse/study-filters";
import { LABELS } from "@/lib/mimic/import/file-specs";
import { findDataset, importMimicDirectory } from "@/lib/mimic/import/import-directory";
import { writeSyntheticVersion } from "@/lib/mimic/synth/write-version";
import { isolatedDatabaseForFile } from "../support/isolated-database";

// Its own database: a version is imported again here, over the first import.
isolatedDatabaseForFile();

/**
 * The explorer keeps a filter's facet counts for its next pages (lib/mimic/browse/facet-count-cache.ts).
 * Every count served is checked against SQL over the wide study rows, which share nothing with the
 * facet table or the cache, before and after the version is imported again with other data.
 */
let root: string;
let datasetId: string;

const EDEMA = LABELS.indexOf("Edema") + 1;
const PNEUMONIA = LABELS.indexOf("Pneumonia") + 1;
const Q = "label=Edema:positive&split=train";

function filters(q: string): StudyFilters {
  const parsed = parseStudyFilters(new URLSearchParams(q));
  if (!parsed.ok) throw new Error(parsed.errors.join("; "));
  return parsed.filters;
}

/** The filter's total and its Pneumonia-negative count, from the wide rows. */
async function expected(): Promise<{ total: number; pneumoniaNegative: number }> {
  const r = await getDb().execute<{ total: string; neg: string }>(sql`
    select count(*) as total, count(*) filter (where chexpert[${PNEUMONIA}] = 0) as neg
    from mimic_study where dataset_id = ${datasetId} and chexpert[${EDEMA}] = 1 and 'train' = any(splits)`);
  return { total: Number(r.rows[0]!.total), pneumoniaNegative: Number(r.rows[0]!.neg) };
}

async function importSynthetic(studies: number, seed: number): Promise<void> {
  const dir = path.join(root, `v${seed}`);
  await writeSyntheticVersion({ out: dir, project: "mimic-cxr-jpg", version: "2.0.0", studies, seed });
  await importMimicDirectory({ dir, dataset: (await findDataset({ slug: "mimic-cxr-jpg", version: "2.0.0" }))! });
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "labgate-facet-cache-"));
  datasetId = (await findDataset({ slug: "mimic-cxr-jpg", version: "2.0.0" }))!.id;
  await importSynthetic(900, 21);
}, 180_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("facet counts kept between pages of one filter", () => {
  it("serves the next pages' counts from the cache, equal to a fresh count; the pages themselves differ", async () => {
    clearFacetCountCache();
    const want = await expected();
    expect(want.total).toBeGreaterThan(60);
    const key = countsKey({ datasetId, filters: filters(Q) });
    expect(hasCountsEntry(key)).toBe(false);
    const first = await listStudies({ datasetId, filters: filters(`${Q}&size=20`) });
    expect(hasCountsEntry(key)).toBe(true);
    const second = await listStudies({ datasetId, filters: filters(`${Q}&size=20&page=2&sort=study_id&dir=asc`) });
    for (const p of [first, second]) {
      expect(p.total).toBe(want.total);
      expect(p.facets.labels.Pneumonia.negative).toBe(want.pneumoniaNegative);
      expect(p.facets.labels.Edema.positive).toBe(want.total);
      expect(p.rows).toHaveLength(20);
    }
    expect(second.facets).toEqual(first.facets);
    expect(second.rows.map((r) => r.studyId)).not.toEqual(first.rows.map((r) => r.studyId));
    expect(await countStudies({ datasetId, filters: filters(Q) })).toBe(want.total);
  });

  it("the same filter written in another order is the same entry; another filter is not", () => {
    expect(countsKey({ datasetId, filters: filters("split=train&label=Edema:positive&page=3") })).toBe(countsKey({ datasetId, filters: filters(Q) }));
    expect(countsKey({ datasetId, filters: filters("label=Edema:negative&split=train") })).not.toBe(countsKey({ datasetId, filters: filters(Q) }));
    expect(countsKey({ datasetId, filters: filters(`${Q}&labeler=negbio`) })).not.toBe(countsKey({ datasetId, filters: filters(Q) }));
  });

  it("a new import of the version is never answered with the counts of the old data", async () => {
    await listStudies({ datasetId, filters: filters(Q) });
    const key = countsKey({ datasetId, filters: filters(Q) });
    const before = await expected();
    const oldVersion = (await getDb().execute<{ v: string }>(sql`select string_agg(xmin::text, ',') as v from mimic_facet_totals where dataset_id = ${datasetId}`)).rows[0]!.v;

    await importSynthetic(700, 22);
    const after = await expected();
    expect(after.total).not.toBe(before.total);
    // The entry is still there, but of the old version: the page's statement says the data changed.
    expect(hasCountsEntry(key)).toBe(true);
    const newVersion = (await getDb().execute<{ v: string }>(sql`select string_agg(xmin::text, ',') as v from mimic_facet_totals where dataset_id = ${datasetId}`)).rows[0]!.v;
    expect(newVersion).not.toBe(oldVersion);
    for (const page of [1, 2]) {
      const p = await listStudies({ datasetId, filters: filters(`${Q}&size=10&page=${page}`) });
      expect(p.total).toBe(after.total);
      expect(p.facets.labels.Pneumonia.negative).toBe(after.pneumoniaNegative);
    }
  }, 180_000);

  it("under concurrent pages, and an import in the middle of them, every answer is one version's: total, counts and rows agree", async () => {
    clearFacetCountCache();
    const before = await expected();
    const ask = (i: number) => listStudies({ datasetId, filters: filters(`${Q}&size=10&page=${1 + (i % 4)}`) });
    const first = await Promise.all(Array.from({ length: 24 }, (_, i) => ask(i)));
    for (const p of first) expect([p.total, p.facets.labels.Pneumonia.negative]).toEqual([before.total, before.pneumoniaNegative]);

    const studiesOf = async () => new Set((await getDb().execute<{ id: number }>(sql`select study_id as id from mimic_study where dataset_id = ${datasetId}`)).rows.map((r) => Number(r.id)));
    const oldIds = await studiesOf();
    let importing = true;
    const reimport = importSynthetic(1100, 23).finally(() => (importing = false));
    const during: Awaited<ReturnType<typeof ask>>[] = [];
    for (let i = 0; importing || i < 8; i++) during.push(...(await Promise.all([ask(i), ask(i + 1), ask(i + 2)])));
    await reimport;
    const after = await expected();
    const newIds = await studiesOf();
    expect(after.total).not.toBe(before.total);
    for (const p of during) {
      const old = p.total === before.total && p.facets.labels.Pneumonia.negative === before.pneumoniaNegative;
      const fresh = p.total === after.total && p.facets.labels.Pneumonia.negative === after.pneumoniaNegative;
      expect(old || fresh, `total ${p.total} is of neither version (${before.total}, ${after.total})`).toBe(true);
      // Rows of the version whose counts they came with (the two versions' study ids differ).
      for (const r of p.rows) expect((old ? oldIds : newIds).has(r.studyId)).toBe(true);
    }
    // After the import, answers are of the new data only; the kept entry of the new version is used.
    const last = await Promise.all(Array.from({ length: 12 }, (_, i) => ask(i)));
    for (const p of last) expect(p.total).toBe(after.total);
    const version = (await getDb().execute<{ v: string }>(sql`select string_agg(t.dataset_id::text || ':' || t.labeler || ':' || t.xmin::text, ',' order by t.dataset_id, t.labeler) as v from mimic_facet_totals t where t.dataset_id = ${datasetId}`)).rows[0]!.v;
    expect(cachedCounts(countsKey({ datasetId, filters: filters(Q) }), version)).not.toBeNull();
  }, 240_000);
});
