import { isUtf8 } from "node:buffer";
import { once } from "node:events";
import { opendir } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { copyTextRow } from "./copy-text";
import type { CsvFileSpec } from "./file-specs";
import { stripCheckedHeader } from "./header-check";
import { ImportError } from "./import-error";
import { openImportFile } from "./read-file";
import { STAGING_COLUMNS, stagingTable } from "./staging";
import { readZipEntries } from "./zip-entries";

export type LoadProgress = { onBytes: (n: number) => void; onRows: (n: number) => void };

/** Turns a COPY failure into the file and line it came from (COPY counts from the first data line). */
function copyFailure(e: unknown, file: string): ImportError {
  if (e instanceof ImportError) return e;
  const err = e as { message?: string; where?: string; code?: string };
  if (err.code === "Z_BUF_ERROR" || err.code === "Z_DATA_ERROR" || /unexpected end of file|incorrect header check/i.test(err.message ?? "")) {
    return new ImportError("the gzip stream is truncated or corrupt", file);
  }
  const line = /line (\d+)/.exec(err.where ?? "")?.[1];
  const detail = (err.message ?? String(e)).replace(/^COPY \w+, /, "");
  return new ImportError(detail, file, line ? Number(line) + 1 : undefined);
}

export async function loadCsv(client: pg.ClientBase, opts: { dir: string; spec: CsvFileSpec } & LoadProgress): Promise<{ rows: number; sha256: string }> {
  const { spec } = opts;
  const file = openImportFile({ path: path.join(opts.dir, spec.name), onBytes: opts.onBytes });
  const copy = client.query(copyFrom(`COPY ${stagingTable(spec.kind)} (${STAGING_COLUMNS[spec.kind].join(", ")}) FROM STDIN WITH (FORMAT csv)`));
  try {
    await pipeline(file.body, stripCheckedHeader({ file: spec.name, header: spec.header }), copy);
  } catch (e) {
    throw copyFailure(e, spec.name);
  }
  opts.onRows(copy.rowCount);
  return { rows: copy.rowCount, sha256: file.sha256() };
}

const REPORT_PATH = /^files\/p1\d\/p(1\d{7})\/s(5\d{7})\.txt$/;
/** A report is a few kilobytes (the longest real one ~15 KB); an entry past this is not a report. */
export const MAX_REPORT_BYTES = 1 << 20;
const BATCH_BYTES = 1 << 20;
const QUOTE = 0x22;
const CLOSE_ROW = Buffer.from('"\n');

/**
 * Reads the reports out of the zip (zip-entries.ts) into stg_reports as CSV: a report with no quote
 * and no NUL (nearly all) goes to COPY as the bytes that came out of the zip, without being decoded.
 * Rows are written in ~1 MiB batches rather than one write per report.
 */
export async function loadReports(client: pg.ClientBase, opts: { zipPath: string; name: string } & LoadProgress): Promise<{ rows: number }> {
  const reportName = (entryName: string) => entryName.replace(/^mimic-cxr-reports\//, "");
  const copy = client.query(copyFrom("COPY stg_reports (study_id, subject_id, path, report) FROM STDIN WITH (FORMAT csv)"));
  const copyDone = new Promise<void>((resolve, reject) => {
    copy.on("finish", resolve);
    copy.on("error", reject);
  });
  // A COPY error arrives as an event; until the next write sees it, reading goes on at most a batch.
  let copyError: unknown = null;
  copy.on("error", (e) => (copyError ??= e));
  let rows = 0;
  let batch: Buffer[] = [];
  let batchBytes = 0;
  const flush = async () => {
    if (copyError) throw copyError;
    if (batch.length === 0) return;
    const ok = copy.write(Buffer.concat(batch, batchBytes));
    batch = [];
    batchBytes = 0;
    if (!ok) await Promise.race([once(copy, "drain"), copyDone]);
  };
  try {
    for await (const { entry, data } of readZipEntries({ path: opts.zipPath, name: opts.name, maxBytes: MAX_REPORT_BYTES, want: (n) => REPORT_PATH.test(reportName(n)), onBytes: opts.onBytes })) {
      const name = reportName(entry.name);
      const m = REPORT_PATH.exec(name)!;
      let text = data;
      // PostgreSQL text holds neither NUL nor invalid UTF-8; a report never needs either (invalid
      // sequences become U+FFFD, as a decoder would show them).
      if (text.indexOf(0) >= 0 || text.indexOf(QUOTE) >= 0 || !isUtf8(text)) {
        text = Buffer.from(text.toString("utf8").replace(/\0/g, "").replace(/"/g, '""'), "utf8");
      }
      const head = Buffer.from(`${m[2]},${m[1]},${name},"`, "latin1");
      batch.push(head, text, CLOSE_ROW);
      batchBytes += head.length + text.length + CLOSE_ROW.length;
      rows++;
      if (rows % 1000 === 0) opts.onRows(1000);
      if (batchBytes >= BATCH_BYTES) await flush();
    }
    await flush();
    copy.end();
    await copyDone;
  } catch (e) {
    copy.destroy();
    await copyDone.catch(() => {});
    throw e instanceof ImportError ? e : copyFailure(e, opts.name);
  }
  opts.onRows(rows % 1000);
  return { rows };
}
/** One relative path per line, as in PhysioNet's IMAGE_FILENAMES. */
export async function loadImageFilenames(client: pg.ClientBase, opts: { filePath: string } & LoadProgress): Promise<{ rows: number; sha256: string }> {
  const file = openImportFile({ path: opts.filePath, onBytes: opts.onBytes });
  const copy = client.query(copyFrom("COPY stg_filenames (path) FROM STDIN WITH (FORMAT csv)"));
  try {
    await pipeline(file.body, copy);
  } catch (e) {
    throw copyFailure(e, "IMAGE_FILENAMES");
  }
  opts.onRows(copy.rowCount);
  return { rows: copy.rowCount, sha256: file.sha256() };
}

/** Which image files are here: walks `files/` once rather than stat-ing every listed path. */
export async function loadLocalImages(client: pg.ClientBase, opts: { dir: string }): Promise<{ files: number }> {
  const root = path.join(opts.dir, "files");
  const copy = client.query(copyFrom("COPY stg_local (path) FROM STDIN"));
  let files = 0;
  const walk = async (rel: string): Promise<void> => {
    let handle;
    try {
      handle = await opendir(path.join(opts.dir, rel));
    } catch {
      return;
    }
    for await (const entry of handle) {
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory()) await walk(child);
      else if (entry.isFile() && /\.(dcm|jpg)$/.test(entry.name)) {
        files++;
        if (!copy.write(copyTextRow([child]))) await once(copy, "drain");
      }
    }
  };
  try {
    await walk(path.relative(opts.dir, root) || "files");
    copy.end();
    await once(copy, "finish");
  } catch (e) {
    copy.destroy();
    throw e;
  }
  return { files };
}
