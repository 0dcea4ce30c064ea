import "server-only";
import { sql } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { LABELS, type Label } from "../import/file-specs";
import { labelStateOf, type LabelState, type Split } from "../tokens";
import { decodeFacetGroups, facetGroupsSql, type FacetGroups } from "./facet-groups";
import { cachedCounts, countOnce, countsKey, hasCountsEntry } from "./facet-count-cache";
import { isUnfiltered, type StudyFilters } from "./study-filters";
import { studyWhere } from "./study-where";
import { HIGHLIGHT_START, HIGHLIGHT_STOP } from "./highlight";
import { REPORT_TS_CONFIG, reportTsQuery } from "./report-search";

export type StudyRow = {
  studyId: number;
  subjectId: number;
  studyDate: string | null;
  views: string[];
  splits: string[];
  imageCount: number;
  localImageCount: number;
  labels: Partial<Record<Label, LabelState>>;
  snippet: string | null;
};

export type StudyFacets = {
  labels: Record<Label, Record<LabelState, number>>;
  views: Record<string, number>;
  splits: Record<Split, number>;
  local: number;
};

export type StudyPage = { rows: StudyRow[]; total: number; facets: StudyFacets };

export { HIGHLIGHT_START, HIGHLIGHT_STOP };

export async function listViewCodes(): Promise<Map<string, number>> {
  const rows = await getDb().execute<{ code: number; name: string }>(sql`select code, name from mimic_view`);
  return new Map(rows.rows.map((r) => [r.name, Number(r.code)]));
}

// Columns of mimic_study_facet, which both the filtered (alias f) and unfiltered (alias s) pages sort.
const ORDER = {
  date: sql.raw("study_date"),
  study_id: sql.raw("study_id"),
  subject_id: sql.raw("subject_id"),
} as const;

/**
 * One page of studies with the total and every facet count, for a dataset the caller has already
 * been authorized for (requireDatasetAccess). The page's ids and the counts are separate statements:
 * the counts do not depend on the page or its order, so another page of the same filter reuses them
 * (facet-count-cache.ts) when they were counted from the same version of the data as the page.
 */
export async function listStudies(opts: { datasetId: string; filters: StudyFilters; reportDatasetId?: string; viewCodes?: Map<string, number> }): Promise<StudyPage> {
  const db = getDb();
  const viewCodes = opts.viewCodes ?? (await listViewCodes());
  const q = studyPageQueries({ ...opts, viewCodes });
  const facts = (isUnfiltered(opts.filters) && (await unfilteredFacts(opts))) || (await pageAndCounts(opts, q));
  const ids = facts.page.map(Number);
  const details = ids.length ? (await db.execute<PageRow>(q.details(ids))).rows : [];
  return toStudyPage(ids, details, decodeFacetGroups(facts, viewCodes));
}

/**
 * The page's ids and the counts, the counts from the cache when they are of the data version the
 * page's statement read. Both are always of one version: when the two statements straddle an import
 * (their versions differ), the single statement that reads both at once answers instead.
 */
async function pageAndCounts(opts: { datasetId: string; filters: StudyFilters; reportDatasetId?: string }, q: ReturnType<typeof studyPageQueries>): Promise<FactsRow> {
  const db = getDb();
  const key = countsKey(opts);
  const page = db.execute<{ page: (number | string)[]; version: string | null }>(q.page).then((r) => r.rows[0]!);
  const count = () => db.execute<FacetGroups & { version: string | null }>(q.counts).then(({ rows: [r] }) => ({ version: r!.version, groups: { part: r!.part, k: r!.k, n: r!.n } }));
  let counted: { version: string | null; groups: FacetGroups };
  let paged: { page: (number | string)[]; version: string | null };
  if (hasCountsEntry(key)) {
    paged = await page;
    const hit = cachedCounts(key, paged.version);
    counted = hit ? { version: paged.version, groups: hit } : await countOnce(key, count);
  } else {
    [paged, counted] = await Promise.all([page, countOnce(key, count)]);
  }
  if (paged.version === null || counted.version !== paged.version) return (await db.execute<FactsRow>(q.facts)).rows[0]!;
  return { page: paged.page, ...counted.groups };
}

/**
 * The explorer's first page, no filter: the import stored every facet count of the whole dataset
 * (mimic_facet_totals, swapped in with the data), so only the page's ids are looked up — by index
 * for the default newest-first order. Null for a dataset imported before the counts were stored.
 */
async function unfilteredFacts(opts: { datasetId: string; filters: StudyFilters }): Promise<FactsRow | null> {
  const f = opts.filters;
  const dir = f.dir === "asc" ? sql`asc` : sql`desc`;
  const r = await getDb().execute<FactsRow>(sql`
    select array(
        select s.study_id from mimic_study_facet s where s.dataset_id = ${opts.datasetId}
        order by ${ORDER[f.sort]} ${dir} nulls last, s.study_id ${dir} limit ${f.pageSize} offset ${(f.page - 1) * f.pageSize}
      ) as page, t.groups->'part' as part, t.groups->'k' as k, t.groups->'n' as n
    from mimic_facet_totals t where t.dataset_id = ${opts.datasetId} and t.labeler = ${f.labeler}`);
  return r.rows[0] ?? null;
}

/** How many studies match, without building a page or facets (what a saved cohort records). */
export async function countStudies(opts: { datasetId: string; filters: StudyFilters; reportDatasetId?: string }): Promise<number> {
  const where = studyWhere({ ...opts, viewCodes: await listViewCodes() });
  const r = await getDb().execute<{ n: string }>(sql`select count(*) as n from mimic_study_facet s where ${where}`);
  return Number(r.rows[0]!.n);
}

/**
 * The facet table's label bits of a labeler. The radiologists' are not a column (they label ~2,700
 * test studies): they are read off the tokens of the studies the filter already narrowed to those.
 */
export function labelerBits(labeler: StudyFilters["labeler"]) {
  return labeler === "negbio" ? sql`s.negbio_bits` : labeler === "radiologist" ? sql`mimic_token_bits(s.tokens, 201, 256)` : sql`s.chexpert_bits`;
}

type FactsRow = FacetGroups & { page: (number | string)[] };
type PageRow = { study_id: number; subject_id: number; study_date: string | null; views: string[]; splits: string[]; image_count: number; local_image_count: number; labels: (number | null)[] | null; snippet: string | null };

/**
 * The statements behind a page, exported so the benchmark runs the very same SQL directly. `page`
 * returns the page's ids in order and `counts` the facet counts as grouping sets (facet-groups.ts),
 * each with the version of the data it read; `facts` returns both from one scan of the narrow facet
 * table (when they must be of one snapshot); `details` reads the wide study rows of those ids only.
 */
export function studyPageQueries(opts: { datasetId: string; filters: StudyFilters; viewCodes: Map<string, number>; reportDatasetId?: string }) {
  const { filters: f, viewCodes } = opts;
  const where = studyWhere({ datasetId: opts.datasetId, filters: f, viewCodes, reportDatasetId: opts.reportDatasetId });
  const bitsCol = labelerBits(f.labeler);
  const labelsCol = f.labeler === "negbio" ? sql`s.negbio` : f.labeler === "radiologist" ? sql`s.test_labels` : sql`s.chexpert`;
  // The paired MIMIC-CXR version's report, by its primary key, for the page's rows only.
  const report =
    opts.reportDatasetId && opts.reportDatasetId !== opts.datasetId
      ? sql`(select r.report from mimic_study r where r.dataset_id = ${opts.reportDatasetId} and r.study_id = s.study_id)`
      : sql`s.report`;
  const dir = f.dir === "asc" ? sql`asc` : sql`desc`;
  const snippet = f.q
    ? sql`ts_headline(${sql.raw(`'${REPORT_TS_CONFIG}'`)}, coalesce(${report}, ''), ${reportTsQuery(f.q)}, ${`StartSel=${HIGHLIGHT_START}, StopSel=${HIGHLIGHT_STOP}, MaxWords=30, MinWords=12, MaxFragments=2`})`
    : sql`null`;

  const version = dataVersion([opts.datasetId, ...(f.q && opts.reportDatasetId ? [opts.reportDatasetId] : [])]);
  const order = sql`order by ${ORDER[f.sort]} ${dir} nulls last, s.study_id ${dir} limit ${f.pageSize} offset ${(f.page - 1) * f.pageSize}`;
  return {
    page: sql`select array(select s.study_id from mimic_study_facet s where ${where} ${order}) as page, ${version} as version`,
    counts: sql`
      with f as materialized (select ${bitsCol} as bits, s.view_bits, s.flags from mimic_study_facet s where ${where})
      select g.part, g.k, g.n, ${version} as version from (${sql.raw(facetGroupsSql("f"))}) g`,
    facts: sql`
      with f as materialized (
        select s.study_id, s.subject_id, s.study_date, ${bitsCol} as bits, s.view_bits, s.flags from mimic_study_facet s where ${where}
      )
      select array(
          select f.study_id from f order by ${ORDER[f.sort]} ${dir} nulls last, f.study_id ${dir}
          limit ${f.pageSize} offset ${(f.page - 1) * f.pageSize}
        ) as page, g.part, g.k, g.n
      from (${sql.raw(facetGroupsSql("f"))}) g`,
    details: (ids: number[]) => sql`
      select s.study_id, s.subject_id, to_char(s.study_date, 'YYYY-MM-DD') as study_date, s.views, s.splits, s.image_count, s.local_image_count,
        ${labelsCol} as labels, ${snippet} as snippet
      from mimic_study s where s.dataset_id = ${opts.datasetId} and s.study_id = any(${`{${ids.join(",")}}`}::integer[])`,
  };
}

/**
 * An expression naming the version of the data a statement over these dataset versions reads: the
 * facet totals rows the import writes in the transaction that swaps a version's tables in (retention
 * deletes them with the tables), so their row versions (xmin) change exactly when the data does. Null
 * for a version imported before those rows existed: its counts are never kept.
 */
function dataVersion(datasetIds: string[]) {
  return sql`(select string_agg(t.dataset_id::text || ':' || t.labeler || ':' || t.xmin::text, ',' order by t.dataset_id, t.labeler) from mimic_facet_totals t where t.dataset_id = any(${`{${datasetIds.join(",")}}`}::uuid[]))`;
}

function toStudyPage(ids: number[], details: PageRow[], counted: { facets: StudyFacets; total: number }): StudyPage {
  const { facets, total } = counted;
  const byId = new Map(details.map((r) => [Number(r.study_id), r]));
  return {
    total,
    facets,
    rows: ids.flatMap((id) => {
      const r = byId.get(id);
      if (!r) return [];
      return [
        {
          studyId: id,
          subjectId: Number(r.subject_id),
          studyDate: r.study_date,
          views: r.views,
          splits: r.splits,
          imageCount: Number(r.image_count),
          localImageCount: Number(r.local_image_count),
          labels: r.labels ? Object.fromEntries(LABELS.map((l, i) => [l, labelStateOf(r.labels![i])])) : {},
          snippet: r.snippet,
        },
      ];
    }),
  };
}
