import "server-only";
import { sql } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { LABELS, type Label } from "../import/file-specs";
import { labelBit, setBits } from "../tokens";
import { listViewCodes } from "./list-studies";
import type { StudyFilters } from "./study-filters";
import { studyWhere } from "./study-where";

export type Cooccurrence = { labels: readonly Label[]; counts: number[][]; studies: number };

/**
 * How often two labels are positive in the same study, among the filtered studies. counts[i][i]
 * is the label's own positive count, so the heatmap can show both prevalence and overlap.
 */
export async function labelCooccurrence(opts: { datasetId: string; filters: StudyFilters }): Promise<Cooccurrence> {
  const where = studyWhere({ datasetId: opts.datasetId, filters: opts.filters, viewCodes: await listViewCodes() });
  const positiveBits = LABELS.map((l) => labelBit(l, "positive"));
  const mask = positiveBits.reduce((m, b) => m | (1n << BigInt(b)), 0n).toString();
  const bitsCol = opts.filters.labeler === "negbio" ? sql`s.negbio_bits` : sql`s.chexpert_bits`;
  // Grouped by which labels are positive: a few hundred distinct sets, paired up here.
  const rows = await getDb().execute<{ p: string; n: string }>(sql`
    select ${bitsCol} & ${mask}::bigint as p, count(*) as n from mimic_study_facet s where ${where} group by 1`);
  const counts = LABELS.map(() => LABELS.map(() => 0));
  const indexOfBit = new Map(positiveBits.map((b, i) => [b, i]));
  let studies = 0;
  for (const r of rows.rows) {
    const n = Number(r.n);
    studies += n;
    const present = setBits(r.p).map((b) => indexOfBit.get(b)!);
    for (const i of present) for (const j of present) counts[i]![j]! += n;
  }
  return { labels: LABELS, counts, studies };
}
