import type { Options } from "csv-stringify";
import { stringify as stringifySync } from "csv-stringify/sync";
import { errorFields, log } from "@/lib/log/logger";

// CSV injection (OWASP "CSV Injection"): a spreadsheet runs a cell that starts with =, +, -, @, tab
// or CR as a formula (=HYPERLINK(...) leaks data, =cmd|... runs programs). Every CSV labgate writes
// goes through this module, which prefixes such a cell with a single quote so it is read as text.
//
// Only text is neutralised. A cell that is a plain decimal number ("-1.0", "+3", "2e-5") stays as
// it is: a spreadsheet reads it as that number and nothing else, and researchers' code reads
// CheXpert's "-1.0" (uncertain) labels as numbers; "-2+3" is not a plain number and is neutralised.
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function neutraliseCell(value: string): string {
  return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}

const cast: Options["cast"] = { string: (value) => neutraliseCell(value) };

/** The whole file at once, for small exports (the access matrix); the first row is the header. */
export function safeCsv(rows: unknown[][]): string {
  return stringifySync(rows, { cast });
}

const ROWS_PER_CHUNK = 500;
// Cells that need neither quoting nor neutralising: most of a manifest (paths, ids, hashes, dates).
const PLAIN_CELL = /^(?:[A-Za-z0-9_./:][A-Za-z0-9_./:-]*)?$/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One chunk of rows as csv-stringify writes them with `cast` (quoted only when a cell holds a comma,
 * quote or line break; numbers as JavaScript prints them; null and undefined empty), by hand for
 * strings and numbers: csv-stringify's per-cell machinery cost ~4× this on the 377k-row manifest
 * (bench api.manifest). A row holding anything else (a Date, a boolean, an object) goes to
 * csv-stringify as before. tests/csv/safe-csv.test.ts checks both give the same bytes.
 */
export function csvChunk(rows: unknown[][]): string {
  let out = "";
  for (const row of rows) {
    const line = plainLine(row);
    out += line === null ? stringifySync([row], { cast }) : `${line}\n`;
  }
  return out;
}

function plainLine(row: unknown[]): string | null {
  let line = "";
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    let cell: string;
    if (typeof v === "string") {
      cell = v;
      if (!PLAIN_CELL.test(v)) {
        cell = neutraliseCell(v);
        if (NEEDS_QUOTES.test(cell)) cell = `"${cell.replace(/"/g, '""')}"`;
      }
    } else if (typeof v === "number" && Number.isFinite(v)) cell = String(v);
    else if (v === null || v === undefined) cell = "";
    else return null;
    line += i === 0 ? cell : `,${cell}`;
  }
  return line;
}

/**
 * A streamed CSV body: the header, then rows pulled from `rows` only as fast as the client reads.
 * A failure half-way (a database error) errors the stream, so the client sees a cut-off answer at
 * once instead of waiting on a response that never ends; the operator gets one log line.
 */
export function safeCsvResponseBody(opts: { columns: string[]; rows: AsyncIterable<unknown[]>; preamble?: string; what: string }): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = opts.rows[Symbol.asyncIterator]();
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const batch: unknown[][] = started ? [] : [opts.columns];
        const head = started ? "" : (opts.preamble ?? "");
        started = true;
        let done = false;
        while (batch.length < ROWS_PER_CHUNK) {
          const next = await iterator.next();
          if (next.done) {
            done = true;
            break;
          }
          batch.push(next.value);
        }
        if (batch.length > 0 || head) controller.enqueue(encoder.encode(head + (batch.length ? csvChunk(batch) : "")));
        if (done) controller.close();
      } catch (e) {
        log().error({ what: opts.what, ...errorFields(e) }, "export failed while streaming");
        controller.error(new Error(`${opts.what} failed`));
      }
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

/**
 * A free-text line written above the CSV (a `# comment`, as the cohort export writes): spreadsheets
 * split it at commas, semicolons and tabs like any other line, so each piece is neutralised too.
 */
export function safeCsvCommentLine(line: string): string {
  return line
    .replace(/[\r\n]+/g, " ")
    .split(/([,;\t])/)
    .map((piece, i) => (i % 2 === 1 ? piece : piece.replace(/^([\s"]*)([=+\-@].*)$/s, (_, lead: string, rest: string) => (PLAIN_NUMBER.test(rest.trim()) ? `${lead}${rest}` : `${lead}'${rest}`))))
    .join("");
}
