import { sql, type SQL } from "drizzle-orm";
import { LABELS } from "../import/file-specs";
import { labelToken, LOCAL_IMAGES_TOKEN, splitToken, viewToken } from "../tokens";
import { reportTsQuery } from "./report-search";
import { tokenLabeler, type StudyFilters } from "./study-filters";

/** Tokens of the first label's four radiologist states: a study holds one of them iff it has radiologist labels. */
const RADIOLOGIST_ROW = `{${[201, 202, 203, 204].join(",")}}`;

/**
 * The WHERE clause over `mimic_study_facet s` shared by the page, the count and the facets, so they
 * can never disagree.
 * Alternatives within one filter become `tokens && {…}`; filters that must all hold are gathered
 * into one `tokens @> {…}` so PostgreSQL does a single GIN lookup for them.
 */
export function studyWhere(opts: { datasetId: string; filters: StudyFilters; viewCodes: Map<string, number>; reportDatasetId?: string }): SQL {
  const { filters: f } = opts;
  const must: number[] = [];
  const anyOf: number[][] = [];
  const add = (tokens: number[]) => (tokens.length === 1 ? must.push(tokens[0]!) : tokens.length > 1 && anyOf.push(tokens));
  for (const l of f.labels) add(l.states.map((s) => labelToken(tokenLabeler(f.labeler), l.label, s)));
  for (const l of f.sourceLabels) must.push(labelToken(tokenLabeler(l.labeler), l.label, l.state));
  // An unknown view name matches nothing (token 0 is never stored) rather than being ignored.
  if (f.views.length) add(f.views.map((v) => (opts.viewCodes.has(v) ? viewToken(opts.viewCodes.get(v)!) : 0)));
  if (f.splits.length) add(f.splits.map(splitToken));
  if (f.localOnly) must.push(LOCAL_IMAGES_TOKEN);

  const parts: SQL[] = [sql`s.dataset_id = ${opts.datasetId}`];
  if (must.length) parts.push(sql`s.tokens @> ${`{${must.join(",")}}`}::smallint[]`);
  for (const group of anyOf) parts.push(sql`s.tokens && ${`{${group.join(",")}}`}::smallint[]`);
  // The radiologists labelled the test set only: their facets count those studies, not every study as "not mentioned".
  if (f.labeler === "radiologist") parts.push(sql`s.tokens && ${RADIOLOGIST_ROW}::smallint[]`);
  // Both labelers have a row (bits set) and the label's four state bits differ.
  for (const l of f.disagree) {
    const shift = LABELS.indexOf(l) * 4;
    parts.push(sql`s.chexpert_bits <> 0 and s.negbio_bits <> 0 and ((s.chexpert_bits # s.negbio_bits) >> ${sql.raw(String(shift))}) & 15 <> 0`);
  }
  if (f.from) parts.push(sql`s.study_date >= ${f.from}::date`);
  if (f.to) parts.push(sql`s.study_date <= ${f.to}::date`);
  // Reports live in the wide study table; the text index finds the ids, the facet table the rest.
  // Where the lab pairs the versions, the report text is the MIMIC-CXR version's (reportDatasetId).
  if (f.q) {
    parts.push(sql`s.study_id in (select r.study_id from mimic_study r where r.dataset_id = ${opts.reportDatasetId ?? opts.datasetId} and r.report_tsv @@ ${reportTsQuery(f.q)})`);
  }
  return sql.join(parts, sql` and `);
}
