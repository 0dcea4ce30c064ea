import "server-only";
import { Param, sql } from "drizzle-orm";
import type { Readable } from "node:stream";
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { csvChunk } from "@/lib/csv/safe-csv";
import { errorFields, log } from "@/lib/log/logger";
import { getDb } from "@/lib/db/client";
import { inlineParams } from "@/lib/db/inline-params";
import { getEnv } from "@/lib/env";
import { listViewCodes } from "@/lib/mimic/browse/list-studies";
import type { StudyFilters } from "@/lib/mimic/browse/study-filters";
import { studyWhere } from "@/lib/mimic/browse/study-where";
import { LABELS } from "@/lib/mimic/import/file-specs";
import { MANIFEST_COLUMNS } from "./schemas";

type ImageRow = {
  path: string; size: string | null; sha256: string | null; dicom_id: string; subject_id: number; study_id: number;
  study_date: string | null; split: string | null; view_position: string | null; chexpert: string | null; negbio: string | null;
};

type ManifestOptions = { labId: string; datasetId: string; filters: StudyFilters; labelsDatasetId?: string; reportDatasetId?: string };

// Labels in the source files' own encoding, as the cohort CSV export writes them.
const LABEL_TEXT: Record<string, string> = { "1": "1.0", "0": "0.0", "-1": "-1.0", NULL: "" };
const NO_LABELS = LABELS.map(() => "");

/**
 * A label array as PostgreSQL prints it ("{1,NULL,-1,…}") into one cell per label. Read as text
 * rather than as an array: node-postgres's array parser cost ~10 s of the 377k-row manifest's
 * 755k arrays on this machine (bench api.manifest), splitting the text a fraction of it.
 */
export function labelCells(text: string | null): string[] {
  if (!text) return NO_LABELS;
  const parts = text.slice(1, -1).split(",");
  return LABELS.map((_, i) => {
    const p = parts[i];
    return p === undefined ? "" : (LABEL_TEXT[p] ?? Number(p).toFixed(1));
  });
}

/**
 * Every image of the studies matching `filters`, in (study_id, dicom_id) order, with its size and
 * SHA-256 where the lab holds the file (stored_files: verified on the way into lab storage). Keyset
 * batches of studies, each a short statement on the pool: memory stays flat for the full 377k images
 * and no transaction stays open while a slow client reads.
 */
export async function* iterateManifest(opts: ManifestOptions & { studiesPerBatch?: number }): AsyncGenerator<unknown[]> {
  // Studies and labels as the explorer reads them (decision 027: a paired MIMIC-CXR version's labels
  // and dates are the JPG version's); the images are always this version's own files.
  const labelsDatasetId = opts.labelsDatasetId ?? opts.datasetId;
  for await (const studyIds of studyBatches(opts)) {
    const rows = await getDb().execute<ImageRow>(sql`
      select i.path, f.size, f.sha256, i.dicom_id, i.subject_id, i.study_id, to_char(d.study_date, 'YYYY-MM-DD') as study_date,
        i.split, i.view_position, d.chexpert::text as chexpert, d.negbio::text as negbio
      from mimic_image i
      join mimic_study d on d.dataset_id = ${labelsDatasetId} and d.study_id = i.study_id
      left join stored_files f on f.lab_id = ${opts.labId} and f.dataset_id = i.dataset_id and f.path = i.path
      where i.dataset_id = ${opts.datasetId} and i.study_id = any(${new Param(studyIds)}::integer[])
      order by i.study_id, i.dicom_id`);
    for (const r of rows.rows) {
      yield [
        r.path, r.size ?? "", r.sha256 ?? "", r.sha256 ? "1" : "0", r.dicom_id, r.subject_id, r.study_id, r.study_date ?? "", r.split ?? "", r.view_position ?? "",
        ...labelCells(r.chexpert), ...labelCells(r.negbio),
      ];
    }
  }
}

/** The matching studies' ids in keyset batches (one short statement each). */
async function* studyBatches(opts: ManifestOptions & { studiesPerBatch?: number }): AsyncGenerator<number[]> {
  const where = studyWhere({ datasetId: opts.labelsDatasetId ?? opts.datasetId, filters: opts.filters, viewCodes: await listViewCodes(), reportDatasetId: opts.reportDatasetId });
  const batch = opts.studiesPerBatch ?? 2000;
  let after = -1;
  for (;;) {
    const ids = await getDb().execute<{ study_id: number }>(sql`
      select s.study_id from mimic_study_facet s where ${where} and s.study_id > ${after} order by s.study_id limit ${batch}`);
    if (ids.rows.length === 0) return;
    const studyIds = ids.rows.map((r) => Number(r.study_id));
    yield studyIds;
    if (ids.rows.length < batch) return;
    after = studyIds[studyIds.length - 1]!;
  }
}

/** Resolves when the stream has data, has ended, failed or closed: the caller looks which. */
function somethingHappened(stream: Readable): Promise<void> {
  return new Promise((resolve) => {
    const events = ["readable", "end", "error", "close"] as const;
    const done = () => {
      for (const e of events) stream.off(e, done);
      resolve();
    };
    for (const e of events) stream.once(e, done);
  });
}

// The safe-CSV rule (lib/csv/safe-csv.ts) in SQL: a text cell a spreadsheet would run as a formula
// gets a leading quote unless it is a plain number; an empty text is written as nothing (NULL), as
// csv-stringify writes it, not as PostgreSQL's quoted "".
const safeText = (col: string) =>
  `nullif(case when ${col} ~ '^[=+\\-@\t\r]' and ${col} !~ '^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?$' then '''' || ${col} else ${col} end, '')`;
// Labels as the source CSVs write them (1.0, 0.0, -1.0, or nothing), as labelCells does: a cast to
// numeric with one decimal prints any smallint as toFixed(1) would, at about a third of to_char's cost.
const labelCellsSql = (col: string) => LABELS.map((_, i) => `${col}[${i + 1}]::numeric(6,1)`);

/**
 * The manifest's columns (MANIFEST_COLUMNS, in order) as SQL over `i` (mimic_image), `d`
 * (mimic_study: date and labels) and `f` (stored_files, left-joined). Exported for the api.manifest
 * bench, whose COPY baseline writes the same bytes from its own plain query.
 */
export function manifestCellsSql(): string[] {
  return [
    safeText("i.path"), "f.size", "f.sha256", "case when f.sha256 is null then '0' else '1' end", safeText("i.dicom_id"), "i.subject_id", "i.study_id",
    "to_char(d.study_date, 'YYYY-MM-DD')", safeText("i.split"), safeText("i.view_position"), ...labelCellsSql("d.chexpert"), ...labelCellsSql("d.negbio"),
  ];
}

/**
 * The whole manifest as one `COPY (SELECT …) TO STDOUT`: the studies' filter is a semi-join, so
 * PostgreSQL plans the cohort once (hash joins for a whole version, index probes for a small
 * cohort) rather than once per keyset batch of nested-loop probes (decision 039). COPY takes no
 * parameters: they are written in as escaped literals (inlineParams).
 */
function manifestCopySql(opts: ManifestOptions, viewCodes: Map<string, number>): string {
  const labelsDatasetId = opts.labelsDatasetId ?? opts.datasetId;
  const where = studyWhere({ datasetId: labelsDatasetId, filters: opts.filters, viewCodes, reportDatasetId: opts.reportDatasetId });
  const select = inlineParams(sql`
    select ${sql.raw(manifestCellsSql().join(", "))}
    from mimic_image i
    join mimic_study d on d.dataset_id = ${labelsDatasetId} and d.study_id = i.study_id
    left join stored_files f on f.lab_id = ${opts.labId} and f.dataset_id = i.dataset_id and f.path = i.path
    where i.dataset_id = ${opts.datasetId} and i.study_id in (select s.study_id from mimic_study_facet s where ${where})
    order by i.study_id, i.dicom_id`);
  return `COPY (${select}) TO STDOUT WITH (FORMAT csv)`;
}

/** How a manifest's own connection shows in pg_stat_activity. */
export const MANIFEST_APPLICATION_NAME = "labgate cohort manifest";

/**
 * The manifest as CSV bytes: the same rows as iterateManifest, written by PostgreSQL itself (one
 * COPY, the safe-CSV rule applied in SQL) and passed on as PostgreSQL's chunks arrive, untouched:
 * tests/api/manifest.test.ts checks they equal the safe-CSV writer over iterateManifest's rows.
 *
 * Its own connection, not the app's pool: the statement lasts as long as the client reads, and a
 * few slow readers must not take the pool's connections from every other request. Pulled only as
 * fast as the client reads: the web stream asks for a chunk when its one-chunk queue is empty, the
 * COPY stream stops reading the socket past its 16 KiB high-water mark, and PostgreSQL then waits
 * to write (ClientWrite); nothing holds more than a chunk and the socket buffers. One statement is
 * one snapshot (a consistent manifest) held for the whole read: the trade-off is decision 039's.
 */
export function manifestCsvStream(opts: ManifestOptions): ReadableStream<Uint8Array> {
  let client: pg.Client | null = null;
  let copy: Readable | null = null;
  let failure: Error | null = null;
  let headerSent = false;
  const release = () => {
    copy?.destroy();
    const c = client;
    client = null;
    copy = null;
    // Closing the connection stops a COPY still running: PostgreSQL sees its client gone.
    c?.end().catch(() => {});
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (!headerSent) {
          headerSent = true;
          controller.enqueue(new TextEncoder().encode(csvChunk([[...MANIFEST_COLUMNS]])));
          return;
        }
        if (!copy) {
          const text = manifestCopySql(opts, await listViewCodes());
          client = new pg.Client({ connectionString: getEnv().DATABASE_URL, application_name: MANIFEST_APPLICATION_NAME });
          // A connection lost mid-COPY fails the COPY stream too, which is where it is read.
          client.on("error", () => {});
          await client.connect();
          copy = client.query(copyTo(text));
          // An error may come while the client is not asking for bytes: kept for the next pull, not thrown.
          copy.on("error", (e: Error) => (failure = e));
        }
        for (;;) {
          if (failure) throw failure;
          // pg-copy-streams pushes the rows of one socket read as one Buffer (KiBs to tens of KiBs).
          const chunk = copy.read() as Buffer | null;
          if (chunk !== null) return controller.enqueue(chunk);
          if (copy.readableEnded) {
            release();
            return controller.close();
          }
          if (copy.destroyed) throw new Error("the COPY stream closed before its end");
          await somethingHappened(copy);
        }
      } catch (e) {
        release();
        log().error({ what: "cohort manifest", ...errorFields(e) }, "export failed while streaming");
        controller.error(new Error("cohort manifest failed"));
      }
    },
    cancel() {
      // A client that went away mid-COPY: its connection is closed, which stops the statement.
      release();
    },
  });
}
