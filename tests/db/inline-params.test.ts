import { sql } from "drizzle-orm";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { getEnv } from "@/lib/env";
import { inlineParams } from "@/lib/db/inline-params";

// Values a filter could carry into the manifest's COPY (the report search is free text).
const NASTY = ["plain", "it's", "back\\slash", "\\' or 1=1 --", "'); drop table users; --", "E'\\x41'", "$1 $$ $tag$", "ünïcödé ✓", ""];

async function withClient<T>(body: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: getEnv().DATABASE_URL });
  await c.connect();
  try {
    return await body(c);
  } finally {
    await c.end();
  }
}

describe("inlineParams", () => {
  it("writes strings and numbers as literals PostgreSQL reads back as the same values, whatever standard_conforming_strings says", async () => {
    const query = sql`select ${sql.join(NASTY.map((v) => sql`${v}::text`), sql`, `)}, ${42} + ${-1.5} as n`;
    const text = inlineParams(query);
    for (const conforming of ["on", "off"]) {
      const row = await withClient(async (c) => {
        await c.query(`set standard_conforming_strings = ${conforming}`);
        await c.query("set escape_string_warning = off");
        return (await c.query({ text, rowMode: "array" })).rows[0] as unknown[];
      });
      expect(row.slice(0, NASTY.length), conforming).toEqual(NASTY);
      expect(row[NASTY.length], conforming).toBe("40.5");
    }
  });

  it("refuses what it cannot write as a literal, and placeholders it did not make", () => {
    for (const v of [null, Number.NaN, Infinity, { a: 1 }, true]) expect(() => inlineParams(sql`select ${v}`), String(v)).toThrow(/inlineParams/);
    expect(() => inlineParams(sql`select ${sql.raw("'$1'")}, ${"x"}`)).toThrow(/inlineParams/);
  });
});
