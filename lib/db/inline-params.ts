import type { SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import pg from "pg";

const dialect = new PgDialect();

/**
 * A statement's text with its parameters written in as literals, for the one statement that takes
 * none: `COPY (SELECT …) TO STDOUT`. Strings go through node-postgres's escapeLiteral (quotes
 * doubled, and E'…' with backslashes doubled when there are any, so the literal means the same
 * whatever standard_conforming_strings says); numbers only when they are finite. Anything else is
 * refused rather than guessed at. A literal takes its type from its context the way a parameter
 * does, so `s.dataset_id = $1` and `s.dataset_id = '…'` compare the same uuid.
 */
export function inlineParams(query: SQL): string {
  const { sql: text, params } = dialect.sqlToQuery(query);
  let next = 1;
  const inlined = text.replace(/\$(\d+)\b/g, (_, n: string) => {
    // Drizzle numbers its placeholders once each, in order: anything else is not a placeholder.
    if (Number(n) !== next || next > params.length) throw new Error("inlineParams: unexpected $n in the statement's text");
    return literal(params[next++ - 1]);
  });
  if (next !== params.length + 1) throw new Error("inlineParams: a parameter has no placeholder");
  return inlined;
}

function literal(value: unknown): string {
  if (typeof value === "string") return pg.escapeLiteral(value);
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  throw new Error(`inlineParams: cannot write a ${value === null ? "null" : typeof value} as a literal`);
}
