import { sql, type SQL } from "drizzle-orm";
import { labelToken, LOCAL_IMAGES_TOKEN, splitToken, viewToken } from "../tokens";
import { reportTsQuery } from "./report-search";
import type { StudyFilters } from "./study-filters";

/**
 * The WHERE clause over `mimic_study_facet s` shared by the page, the count and the facets, so they
 * can never disagree.
 * Alternatives within one filter become `tokens && {…}`; filters that must all hold are gathered
 * into one `tokens @> {…}` so PostgreSQL does a single GIN lookup for them.
 */
export function studyWhere(opts: { datasetId: string; filters: StudyFilters; viewCodes: Map<string, number> }): SQL {
  const { filters: f } = opts;
  const must: number[] = [];
  const anyOf: number[][] = [];
  const add = (tokens: number[]) => (tokens.length === 1 ? must.push(tokens[0]!) : tokens.length > 1 && anyOf.push(tokens));
  for (const l of f.labels) add(l.states.map((s) => labelToken(f.labeler, l.label, s)));
  // An unknown view name matches nothing (token 0 is never stored) rather than being ignored.
  if (f.views.length) add(f.views.map((v) => (opts.viewCodes.has(v) ? viewToken(opts.viewCodes.get(v)!) : 0)));
  if (f.splits.length) add(f.splits.map(splitToken));
  if (f.localOnly) must.push(LOCAL_IMAGES_TOKEN);

  const parts: SQL[] = [sql`s.dataset_id = ${opts.datasetId}`];
  if (must.length) parts.push(sql`s.tokens @> ${`{${must.join(",")}}`}::smallint[]`);
  for (const group of anyOf) parts.push(sql`s.tokens && ${`{${group.join(",")}}`}::smallint[]`);
  if (f.from) parts.push(sql`s.study_date >= ${f.from}::date`);
  if (f.to) parts.push(sql`s.study_date <= ${f.to}::date`);
  // Reports live in the wide study table; the text index finds the ids, the facet table the rest.
  if (f.q) {
    parts.push(sql`s.study_id in (select r.study_id from mimic_study r where r.dataset_id = ${opts.datasetId} and r.report_tsv @@ ${reportTsQuery(f.q)})`);
  }
  return sql.join(parts, sql` and `);
}
