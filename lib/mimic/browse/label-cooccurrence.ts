import "server-only";
import { sql } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { LABELS, type Label } from "../import/file-specs";
import { setBits } from "../tokens";
import { POSITIVE_BITS, positiveGroupsSql, type PositiveGroups } from "./facet-groups";
import { labelerBits, listViewCodes } from "./list-studies";
import { isUnfiltered, type StudyFilters } from "./study-filters";
import { studyWhere } from "./study-where";

export type Cooccurrence = { labels: readonly Label[]; counts: number[][]; studies: number };

/**
 * How often two labels are positive in the same study, among the filtered studies. counts[i][i]
 * is the label's own positive count, so the heatmap can show both prevalence and overlap.
 */
export async function labelCooccurrence(opts: { datasetId: string; filters: StudyFilters; reportDatasetId?: string }): Promise<Cooccurrence> {
  const groups = (isUnfiltered(opts.filters) && (await storedGroups(opts))) || (await countGroups(opts));
  const counts = LABELS.map(() => LABELS.map(() => 0));
  const indexOfBit = new Map(POSITIVE_BITS.map((b, i) => [b, i]));
  let studies = 0;
  const ns = groups.n ?? [];
  for (let k = 0; k < ns.length; k++) {
    const n = Number(ns[k]);
    studies += n;
    const present = setBits(groups.p![k]!).map((b) => indexOfBit.get(b)!);
    for (const i of present) for (const j of present) counts[i]![j]! += n;
  }
  return { labels: LABELS, counts, studies };
}

// Grouped by which labels are positive: a few hundred distinct sets, paired up by the caller.
async function countGroups(opts: { datasetId: string; filters: StudyFilters; reportDatasetId?: string }): Promise<PositiveGroups> {
  const where = studyWhere({ datasetId: opts.datasetId, filters: opts.filters, viewCodes: await listViewCodes(), reportDatasetId: opts.reportDatasetId });
  const bitsCol = labelerBits(opts.filters.labeler);
  const rows = await getDb().execute<PositiveGroups>(sql`
    with f as (select ${bitsCol} as bits from mimic_study_facet s where ${where})
    ${sql.raw(positiveGroupsSql("f"))}`);
  return rows.rows[0]!;
}

/** What the import stored for the whole dataset (see listStudies); null when it did not. */
async function storedGroups(opts: { datasetId: string; filters: StudyFilters }): Promise<PositiveGroups | null> {
  const r = await getDb().execute<PositiveGroups>(sql`
    select t.groups->'positive'->'p' as p, t.groups->'positive'->'n' as n
    from mimic_facet_totals t where t.dataset_id = ${opts.datasetId} and t.labeler = ${opts.filters.labeler} and t.groups ? 'positive'`);
  return r.rows[0] ?? null;
}
