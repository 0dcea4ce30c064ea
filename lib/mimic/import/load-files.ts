import { once } from "node:events";
import { opendir } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import yauzl from "yauzl";
import { copyTextRow } from "./copy-text";
import type { CsvFileSpec } from "./file-specs";
import { stripCheckedHeader } from "./header-check";
import { ImportError } from "./import-error";
import { openImportFile } from "./read-file";
import { STAGING_COLUMNS, stagingTable } from "./staging";

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

/** Streams the reports out of the zip, one entry at a time, into stg_reports. */
export async function loadReports(client: pg.ClientBase, opts: { zipPath: string; name: string } & LoadProgress): Promise<{ rows: number }> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(opts.zipPath, { lazyEntries: true, autoClose: true }, (err, z) => (err || !z ? reject(new ImportError(`not a readable zip archive (${err?.message ?? "no archive"})`, opts.name)) : resolve(z))),
  );
  const copy = client.query(copyFrom("COPY stg_reports (study_id, subject_id, path, report) FROM STDIN"));
  const copyDone = new Promise<void>((resolve, reject) => {
    copy.on("finish", resolve);
    copy.on("error", reject);
  });
  let rows = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on("error", (e: Error) => reject(new ImportError(`the archive is damaged (${e.message})`, opts.name)));
      zip.on("end", resolve);
      zip.on("entry", (entry: yauzl.Entry) => {
        const name = entry.fileName.replace(/^mimic-cxr-reports\//, "");
        const m = REPORT_PATH.exec(name);
        if (!m) return zip.readEntry();
        zip.openReadStream(entry, (err, stream) => {
          if (err || !stream) return reject(new ImportError(`cannot read ${entry.fileName} (${err?.message ?? "no stream"})`, opts.name));
          const chunks: Buffer[] = [];
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("error", (e) => reject(new ImportError(`cannot read ${entry.fileName} (${e.message})`, opts.name)));
          stream.on("end", () => {
            opts.onBytes(entry.compressedSize);
            // PostgreSQL text cannot hold NUL; a report never needs one.
            const text = Buffer.concat(chunks).toString("utf8").replace(/\0/g, "");
            rows++;
            const ok = copy.write(copyTextRow([Number(m[2]), Number(m[1]), name, text]));
            if (rows % 1000 === 0) opts.onRows(1000);
            if (ok) zip.readEntry();
            else void once(copy, "drain").then(() => zip.readEntry());
          });
        });
      });
      zip.readEntry();
    });
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
