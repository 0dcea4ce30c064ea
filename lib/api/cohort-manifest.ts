import "server-only";
import { Param, sql } from "drizzle-orm";
import type { Readable } from "node:stream";
import type pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { csvChunk } from "@/lib/csv/safe-csv";
import { errorFields, log } from "@/lib/log/logger";
import { getDb, getPool } from "@/lib/db/client";
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

const PIECE_BYTES = 64 * 1024;

/** Resolves when the stream has data or has ended; rejects on its error. */
function readableOrEnd(stream: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      stream.off("readable", done);
      stream.off("end", done);
      stream.off("error", fail);
      resolve();
    };
    const fail = (e: Error) => {
      stream.off("readable", done);
      stream.off("end", done);
      reject(e);
    };
    stream.once("readable", done);
    stream.once("end", done);
    stream.once("error", fail);
  });
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const uuidLiteral = (v: string) => {
  if (!UUID.test(v)) throw new Error("manifest: not a uuid");
  return `'${v}'::uuid`;
};
// The safe-CSV rule (lib/csv/safe-csv.ts) in SQL: a text cell a spreadsheet would run as a formula
// gets a leading quote unless it is a plain number; an empty text is written as nothing (NULL), as
// csv-stringify writes it, not as PostgreSQL's quoted "".
const safeText = (col: string) =>
  `nullif(case when ${col} ~ '^[=+\\-@\t\r]' and ${col} !~ '^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?$' then '''' || ${col} else ${col} end, '')`;
// Labels as the source CSVs write them: 1.0, 0.0, -1.0, or nothing.
const labelSql = (col: string) => LABELS.map((_, i) => `to_char(${col}[${i + 1}], 'FM9990.0')`).join(", ");

/**
 * One batch's rows as a `COPY … TO STDOUT` statement: values inlined (COPY takes no parameters),
 * every one checked. Lateral joins and the batch's id range keep each batch to index probes: as
 * plain joins PostgreSQL hash-joined every batch against the lab's whole stored_files and the
 * version's images (0.56 s a batch of 10,000 studies at full scale, 0.18 s this way).
 */
function batchCopySql(opts: ManifestOptions, studyIds: number[]): string {
  if (!studyIds.every((id) => Number.isSafeInteger(id))) throw new Error("manifest: study ids must be integers");
  return `COPY (
    select ${safeText("i.path")}, f.size, f.sha256, case when f.sha256 is null then '0' else '1' end, ${safeText("i.dicom_id")}, i.subject_id, i.study_id,
      to_char(d.study_date, 'YYYY-MM-DD'), ${safeText("i.split")}, ${safeText("i.view_position")}, ${labelSql("d.chexpert")}, ${labelSql("d.negbio")}
    from mimic_image i
    join lateral (select d.study_date, d.chexpert, d.negbio from mimic_study d where d.dataset_id = ${uuidLiteral(opts.labelsDatasetId ?? opts.datasetId)} and d.study_id = i.study_id) d on true
    left join lateral (select f.size, f.sha256 from stored_files f where f.lab_id = ${uuidLiteral(opts.labId)} and f.dataset_id = i.dataset_id and f.path = i.path) f on true
    where i.dataset_id = ${uuidLiteral(opts.datasetId)} and i.study_id between ${studyIds[0]} and ${studyIds[studyIds.length - 1]}
      and i.study_id = any('{${studyIds.join(",")}}'::integer[])
    order by i.study_id, i.dicom_id
  ) TO STDOUT WITH (FORMAT csv)`;
}

/**
 * The manifest as CSV bytes: the same rows as iterateManifest, written by PostgreSQL itself (one
 * `COPY (SELECT …) TO STDOUT` per keyset batch of studies, the safe-CSV rule applied in SQL) and
 * passed through untouched. Parsing 377k rows into JavaScript values and writing them out again
 * cost ~4.5× the COPY of the same rows (bench api.manifest); the bytes are identical
 * (tests/api/manifest.test.ts). Pulled only as fast as the client reads: one batch's COPY at a time,
 * no transaction held between batches, the connection back in the pool after each.
 */
export function manifestCsvStream(opts: ManifestOptions & { studiesPerBatch?: number }): ReadableStream<Uint8Array> {
  // Larger batches than iterateManifest's: PostgreSQL streams each COPY, so a batch's size costs no
  // memory here, while each batch costs a statement, a plan and a pool round trip.
  const batches = studyBatches({ ...opts, studiesPerBatch: opts.studiesPerBatch ?? 10_000 });
  let client: pg.PoolClient | null = null;
  let copy: Readable | null = null;
  let headerSent = false;
  const release = (broken: boolean) => {
    if (broken) copy?.destroy();
    client?.release(broken);
    client = null;
    copy = null;
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (!headerSent) {
          headerSent = true;
          controller.enqueue(new TextEncoder().encode(csvChunk([[...MANIFEST_COLUMNS]])));
          return;
        }
        // PostgreSQL sends a COPY row by row: read synchronously while rows are buffered and
        // gathered into ~64 KiB pieces, or each of 377k rows would be its own promise, its own
        // trip through the web stream and its own socket write.
        const parts: Buffer[] = [];
        let size = 0;
        while (size < PIECE_BYTES) {
          if (!copy) {
            const ids = await batches.next();
            if (ids.done) {
              if (size > 0) controller.enqueue(new Uint8Array(Buffer.concat(parts, size)));
              return controller.close();
            }
            client = await getPool().connect();
            copy = client.query(copyTo(batchCopySql(opts, ids.value)));
          }
          let piece: Buffer | null;
          while (size < PIECE_BYTES && (piece = copy.read() as Buffer | null) !== null) {
            parts.push(piece);
            size += piece.length;
          }
          if (size >= PIECE_BYTES) break;
          if (copy.readableEnded) {
            release(false);
            continue;
          }
          await readableOrEnd(copy);
        }
        controller.enqueue(new Uint8Array(Buffer.concat(parts, size)));
      } catch (e) {
        release(true);
        log().error({ what: "cohort manifest", ...errorFields(e) }, "export failed while streaming");
        controller.error(new Error("cohort manifest failed"));
      }
    },
    async cancel() {
      // A client that went away mid-COPY: the connection is dropped rather than reused half-read.
      release(true);
      await batches.return(undefined);
    },
  });
}
