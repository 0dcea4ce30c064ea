import { sql, type SQL } from "drizzle-orm";

/**
 * The text search configuration of report_tsv and of every report query (migration 0025): english's
 * parser and Snowball stemmer without its stop-word list, so "no", "not", "without" and "is" stay
 * searchable and `"no pneumothorax"` is that phrase, not "pneumothorax". The import indexes with it
 * and the explorer searches with it; the two must never differ.
 */
export const REPORT_TS_CONFIG = "labgate_report";

/** The search box's own example, held to the answer it promises by tests/mimic/report-search.test.ts. */
export const REPORT_SEARCH_EXAMPLE = 'pneumothorax -"no pneumothorax"';

/**
 * A search as typed, in web-search syntax: words must all occur (stemmed), "quoted words" must occur
 * in that order next to each other, `-word` or `-"a phrase"` must not occur anywhere in the report,
 * `or` between terms accepts either.
 */
export function reportTsQuery(q: string): SQL {
  return sql`websearch_to_tsquery(${sql.raw(`'${REPORT_TS_CONFIG}'`)}, ${q})`;
}
