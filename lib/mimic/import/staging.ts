import type pg from "pg";
import { LABELS, type FileKind } from "./file-specs";

const labelCols = LABELS.map((_, i) => `l${i + 1}`);

/** Staging column names per CSV file, in the file's column order; all text, checked before use. */
export const STAGING_COLUMNS: Record<FileKind, string[]> = {
  records: ["subject_id", "study_id", "dicom_id", "path"],
  studies: ["subject_id", "study_id", "path"],
  providers: ["study_id", "ordering", "attending", "resident"],
  metadata: ["dicom_id", "subject_id", "study_id", "procedure", "view_position", "rows", "columns", "study_date", "study_time", "proc_code", "view_code", "orientation"],
  chexpert: ["subject_id", "study_id", ...labelCols],
  negbio: ["subject_id", "study_id", ...labelCols],
  split: ["dicom_id", "study_id", "subject_id", "split"],
  "test-labels": ["study_id", ...labelCols],
};

export function stagingTable(kind: FileKind): string {
  return `stg_${kind.replace("-", "_")}`;
}

/**
 * Session-private staging tables: they vanish with the connection, so a failed or killed import
 * leaves nothing behind. `line` numbers rows in COPY order from 2 (line 1 is the header), which is
 * how validation errors name the file line.
 */
export async function createStagingTables(client: pg.ClientBase): Promise<void> {
  await client.query("SET temp_buffers = '1GB'");
  for (const [kind, cols] of Object.entries(STAGING_COLUMNS) as [FileKind, string[]][]) {
    await client.query(
      `CREATE TEMP TABLE ${stagingTable(kind)} (line bigint GENERATED ALWAYS AS IDENTITY (START 2), ${cols.map((c) => `${c} text`).join(", ")})`,
    );
  }
  await client.query("CREATE TEMP TABLE stg_reports (study_id integer, subject_id integer, path text, report text)");
  await client.query("CREATE TEMP TABLE stg_local (path text)");
  await client.query("CREATE TEMP TABLE stg_filenames (line bigint GENERATED ALWAYS AS IDENTITY (START 1), path text)");
}

export async function analyzeStagingTables(client: pg.ClientBase): Promise<void> {
  const tables = [...Object.keys(STAGING_COLUMNS).map((k) => stagingTable(k as FileKind)), "stg_reports", "stg_local", "stg_filenames"];
  // Join planning needs sizes and rough distinct counts, not fine histograms: a small sample will do.
  await client.query("SET default_statistics_target = 10");
  await client.query(`ANALYZE ${tables.join(", ")}`);
  await client.query("RESET default_statistics_target");
}
