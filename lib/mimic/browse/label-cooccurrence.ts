import "server-only";
import { sql } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { LABELS, type Label } from "../import/file-specs";
import { decodeToken, labelToken } from "../tokens";
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
  const positive = LABELS.map((l) => labelToken(opts.filters.labeler, l, "positive"));
  const pos = `{${positive.join(",")}}`;
  const rows = await getDb().execute<{ a: number | null; b: number | null; n: string }>(sql`
    with f as materialized (select array(select t from unnest(s.tokens) t where t = any(${pos}::smallint[])) as p from mimic_study s where ${where})
    select null::smallint as a, null::smallint as b, count(*) as n from f
    union all
    select a, b, count(*) from f, unnest(f.p) a, unnest(f.p) b where a <= b group by a, b`);
  const counts = LABELS.map(() => LABELS.map(() => 0));
  let studies = 0;
  for (const r of rows.rows) {
    if (r.a === null || r.b === null) {
      studies = Number(r.n);
      continue;
    }
    const a = decodeToken(Number(r.a));
    const b = decodeToken(Number(r.b));
    if (a?.kind !== "label" || b?.kind !== "label") continue;
    const i = LABELS.indexOf(a.label);
    const j = LABELS.indexOf(b.label);
    counts[i]![j] = counts[j]![i] = Number(r.n);
  }
  return { labels: LABELS, counts, studies };
}
