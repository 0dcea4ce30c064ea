import "server-only";
import { sql } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { LABELS, type Label } from "../import/file-specs";
import { decodeToken, LABEL_STATES, labelStateOf, SPLITS, type LabelState, type Split } from "../tokens";
import type { StudyFilters } from "./study-filters";
import { studyWhere } from "./study-where";
import { HIGHLIGHT_START, HIGHLIGHT_STOP } from "./highlight";

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

const ORDER = {
  date: sql`s.study_date`,
  study_id: sql`s.study_id`,
  subject_id: sql`s.subject_id`,
} as const;

/**
 * One page of studies with the total and every facet count, for a dataset the caller has already
 * been authorized for (requireDatasetAccess).
 */
export async function listStudies(opts: { datasetId: string; filters: StudyFilters }): Promise<StudyPage> {
  const db = getDb();
  const viewCodes = await listViewCodes();
  const q = studyPageQueries({ ...opts, viewCodes });
  const [page, counts] = await Promise.all([db.execute<PageRow>(q.page), db.execute<{ t: number | null; n: string }>(q.counts)]);
  return toStudyPage(opts.filters, viewCodes, page.rows, counts.rows);
}

/** How many studies match, without building a page or facets (what a saved cohort records). */
export async function countStudies(opts: { datasetId: string; filters: StudyFilters }): Promise<number> {
  const where = studyWhere({ ...opts, viewCodes: await listViewCodes() });
  const r = await getDb().execute<{ n: string }>(sql`select count(*) as n from mimic_study s where ${where}`);
  return Number(r.rows[0]!.n);
}

type PageRow = { study_id: number; subject_id: number; study_date: string | null; views: string[]; splits: string[]; image_count: number; local_image_count: number; labels: (number | null)[] | null; snippet: string | null };

/** The two statements behind a page: exported so the benchmark can run the very same SQL directly. */
export function studyPageQueries(opts: { datasetId: string; filters: StudyFilters; viewCodes: Map<string, number> }) {
  const { filters: f, viewCodes } = opts;
  const where = studyWhere({ datasetId: opts.datasetId, filters: f, viewCodes });
  const labelsCol = f.labeler === "negbio" ? sql`s.negbio` : sql`s.chexpert`;
  const dir = f.dir === "asc" ? sql`asc` : sql`desc`;
  const snippet = f.q
    ? sql`ts_headline('english', coalesce(p.report, ''), websearch_to_tsquery('english', ${f.q}), ${`StartSel=${HIGHLIGHT_START}, StopSel=${HIGHLIGHT_STOP}, MaxWords=30, MinWords=12, MaxFragments=2`})`
    : sql`null`;

  return {
    page: sql`
      select p.study_id, p.subject_id, p.study_date, p.views, p.splits, p.image_count, p.local_image_count, p.labels, ${snippet} as snippet from (
        select s.study_id, s.subject_id, to_char(s.study_date, 'YYYY-MM-DD') as study_date, s.views, s.splits, s.image_count, s.local_image_count,
          ${labelsCol} as labels, s.report
        from mimic_study s where ${where}
        order by ${ORDER[f.sort]} ${dir} nulls last, s.study_id ${dir}
        limit ${f.pageSize} offset ${(f.page - 1) * f.pageSize}
      ) p`,
    counts: sql`
      with f as materialized (select s.tokens from mimic_study s where ${where})
      select null::smallint as t, count(*) as n from f
      union all
      select t, count(*) from f, unnest(f.tokens) as t group by t`,
  };
}

function toStudyPage(f: StudyFilters, viewCodes: Map<string, number>, pageRows: PageRow[], countRows: { t: number | null; n: string }[]): StudyPage {

  const facets = emptyFacets();
  const codeToView = new Map([...viewCodes].map(([name, code]) => [code, name]));
  let total = 0;
  for (const row of countRows) {
    const n = Number(row.n);
    if (row.t === null) {
      total = n;
      continue;
    }
    const token = decodeToken(Number(row.t));
    if (!token) continue;
    if (token.kind === "label" && token.labeler === f.labeler) facets.labels[token.label][token.state] = n;
    else if (token.kind === "view") facets.views[codeToView.get(token.code) ?? `#${token.code}`] = n;
    else if (token.kind === "split") facets.splits[token.split] = n;
    else if (token.kind === "local") facets.local = n;
  }

  return {
    total,
    facets,
    rows: pageRows.map((r) => ({
      studyId: Number(r.study_id),
      subjectId: Number(r.subject_id),
      studyDate: r.study_date,
      views: r.views,
      splits: r.splits,
      imageCount: Number(r.image_count),
      localImageCount: Number(r.local_image_count),
      labels: r.labels ? Object.fromEntries(LABELS.map((l, i) => [l, labelStateOf(r.labels![i])])) : {},
      snippet: r.snippet,
    })),
  };
}

function emptyFacets(): StudyFacets {
  return {
    labels: Object.fromEntries(LABELS.map((l) => [l, Object.fromEntries(LABEL_STATES.map((s) => [s, 0]))])) as StudyFacets["labels"],
    views: {},
    splits: Object.fromEntries(SPLITS.map((s) => [s, 0])) as StudyFacets["splits"],
    local: 0,
  };
}
