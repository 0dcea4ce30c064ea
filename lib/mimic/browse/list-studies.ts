import "server-only";
import { sql } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { LABELS, type Label } from "../import/file-specs";
import { LABEL_STATES, labelStateOf, LOCAL_IMAGES_FLAG, setBits, SPLIT_FLAGS, SPLITS, type LabelState, type Split } from "../tokens";
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
  date: sql`f.study_date`,
  study_id: sql`f.study_id`,
  subject_id: sql`f.subject_id`,
} as const;

/**
 * One page of studies with the total and every facet count, for a dataset the caller has already
 * been authorized for (requireDatasetAccess).
 */
export async function listStudies(opts: { datasetId: string; filters: StudyFilters }): Promise<StudyPage> {
  const db = getDb();
  const viewCodes = await listViewCodes();
  const q = studyPageQueries({ ...opts, viewCodes });
  const facts = (await db.execute<FactsRow>(q.facts)).rows[0]!;
  const ids = facts.page.map(Number);
  const details = ids.length ? (await db.execute<PageRow>(q.details(ids))).rows : [];
  return toStudyPage(opts.filters, viewCodes, ids, details, facts);
}

/** How many studies match, without building a page or facets (what a saved cohort records). */
export async function countStudies(opts: { datasetId: string; filters: StudyFilters }): Promise<number> {
  const where = studyWhere({ ...opts, viewCodes: await listViewCodes() });
  const r = await getDb().execute<{ n: string }>(sql`select count(*) as n from mimic_study_facet s where ${where}`);
  return Number(r.rows[0]!.n);
}

type FactsRow = { page: (number | string)[]; part: number[] | null; k: string[] | null; n: string[] | null };

// Facets: the matching studies collapse to their distinct (label bits, view bits, flags) — a few
// hundred for a typical filter — which are then counted with one grouping set per 16 label bits
// (four labels, at most 256 values each), one for view bits and one for flags, so what comes back
// is a few hundred rows however many studies match.
const LABEL_CHUNK_BITS = 16;
const VIEWS_PART = 4;
const FLAGS_PART = 5;
type PageRow = { study_id: number; subject_id: number; study_date: string | null; views: string[]; splits: string[]; image_count: number; local_image_count: number; labels: (number | null)[] | null; snippet: string | null };

/**
 * The two statements behind a page, exported so the benchmark runs the very same SQL directly.
 * `facts` filters the narrow facet table once and returns the page's ids in order and the facet
 * counts as grouping sets, which the caller decodes; `details`
 * reads the wide study rows of those ids only.
 */
export function studyPageQueries(opts: { datasetId: string; filters: StudyFilters; viewCodes: Map<string, number> }) {
  const { filters: f, viewCodes } = opts;
  const where = studyWhere({ datasetId: opts.datasetId, filters: f, viewCodes });
  const bitsCol = f.labeler === "negbio" ? sql`s.negbio_bits` : sql`s.chexpert_bits`;
  const labelsCol = f.labeler === "negbio" ? sql`s.negbio` : sql`s.chexpert`;
  const dir = f.dir === "asc" ? sql`asc` : sql`desc`;
  const snippet = f.q
    ? sql`ts_headline('english', coalesce(s.report, ''), websearch_to_tsquery('english', ${f.q}), ${`StartSel=${HIGHLIGHT_START}, StopSel=${HIGHLIGHT_STOP}, MaxWords=30, MinWords=12, MaxFragments=2`})`
    : sql`null`;

  return {
    facts: sql`
      with f as materialized (
        select s.study_id, s.subject_id, s.study_date, ${bitsCol} as bits, s.view_bits, s.flags from mimic_study_facet s where ${where}
      ),
      c as (select bits, view_bits, flags, count(*) as n from f group by bits, view_bits, flags),
      g as (
        select case when grouping(l0) = 0 then 0 when grouping(l1) = 0 then 1 when grouping(l2) = 0 then 2 when grouping(l3) = 0 then 3
            when grouping(v) = 0 then ${VIEWS_PART} else ${FLAGS_PART} end as part,
          coalesce(l0, l1, l2, l3, v, fl) as k, sum(n) as n
        from (select bits & 65535 as l0, (bits >> 16) & 65535 as l1, (bits >> 32) & 65535 as l2, bits >> 48 as l3, view_bits as v, flags::bigint as fl, n from c) x
        group by grouping sets (l0, l1, l2, l3, v, fl)
      )
      select array(
          select f.study_id from f order by ${ORDER[f.sort]} ${dir} nulls last, f.study_id ${dir}
          limit ${f.pageSize} offset ${(f.page - 1) * f.pageSize}
        ) as page,
        array_agg(g.part) as part, array_agg(g.k::text) as k, array_agg(g.n::text) as n
      from g`,
    details: (ids: number[]) => sql`
      select s.study_id, s.subject_id, to_char(s.study_date, 'YYYY-MM-DD') as study_date, s.views, s.splits, s.image_count, s.local_image_count,
        ${labelsCol} as labels, ${snippet} as snippet
      from mimic_study s where s.dataset_id = ${opts.datasetId} and s.study_id = any(${`{${ids.join(",")}}`}::integer[])`,
  };
}

function toStudyPage(f: StudyFilters, viewCodes: Map<string, number>, ids: number[], details: PageRow[], facts: FactsRow): StudyPage {
  const facets = emptyFacets();
  const codeToView = new Map([...viewCodes].map(([name, code]) => [code, name]));
  const labelOfBit = LABELS.flatMap((label) => LABEL_STATES.map((state) => ({ label, state })));
  let total = 0;
  const groups = facts.n ?? [];
  for (let i = 0; i < groups.length; i++) {
    const n = Number(groups[i]);
    const part = Number(facts.part![i]);
    const key = facts.k![i]!;
    if (part < VIEWS_PART) {
      for (const bit of setBits(key)) {
        const at = labelOfBit[bit + LABEL_CHUNK_BITS * part];
        if (at) facets.labels[at.label][at.state] += n;
      }
    } else if (part === VIEWS_PART) {
      for (const code of setBits(key)) {
        const view = codeToView.get(code) ?? `#${code}`;
        facets.views[view] = (facets.views[view] ?? 0) + n;
      }
    } else {
      // Every study is in exactly one flags group, so these add up to the total.
      total += n;
      const flags = Number(key);
      for (const split of SPLITS) if (flags & SPLIT_FLAGS[split]) facets.splits[split] += n;
      if (flags & LOCAL_IMAGES_FLAG) facets.local += n;
    }
  }

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

function emptyFacets(): StudyFacets {
  return {
    labels: Object.fromEntries(LABELS.map((l) => [l, Object.fromEntries(LABEL_STATES.map((s) => [s, 0]))])) as StudyFacets["labels"],
    views: {},
    splits: Object.fromEntries(SPLITS.map((s) => [s, 0])) as StudyFacets["splits"],
    local: 0,
  };
}
