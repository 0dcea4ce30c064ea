import type pg from "pg";
import { CSV_FILES, LABELS, type FileKind } from "./file-specs";
import { ImportError } from "./import-error";
import { stagingTable } from "./staging";

type Check = { kind: FileKind; column: string; bad: string; expected: string };

const id = (column: string, first: string): string => `${column} IS NULL OR ${column} !~ '^${first}[0-9]{7}$'`;
const labels = (kind: FileKind): Check[] =>
  LABELS.map((label, i) => ({ kind, column: label, bad: `l${i + 1} IS NOT NULL AND l${i + 1} NOT IN ('', '1.0', '0.0', '-1.0', '1', '0', '-1')`, expected: "1.0, 0.0, -1.0 or empty" }));
// CASE, not OR: make_date raises on a month of 13, so it must only see values the pattern accepted.
const date = (c: string) =>
  `${c} IS NOT NULL AND CASE WHEN ${c} !~ '^[0-9]{4}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])$' THEN true ` +
  `ELSE substr(${c}, 7, 2)::int > extract(day from make_date(substr(${c}, 1, 4)::int, substr(${c}, 5, 2)::int, 1) + interval '1 month - 1 day') END`;

const CHECKS: Check[] = [
  ...(["records", "studies", "chexpert", "negbio", "split", "metadata"] as const).flatMap((kind) => [
    { kind, column: "subject_id", bad: id("subject_id", "1"), expected: "8 digits starting with 1" },
    { kind, column: "study_id", bad: id("study_id", "5"), expected: "8 digits starting with 5" },
  ]),
  { kind: "providers", column: "study_id", bad: id("study_id", "5"), expected: "8 digits starting with 5" },
  { kind: "test-labels", column: "study_id", bad: id("study_id", "5"), expected: "8 digits starting with 5" },
  ...(["records", "metadata", "split"] as const).map((kind) => ({
    kind,
    column: "dicom_id",
    bad: "dicom_id IS NULL OR dicom_id !~ '^[0-9a-f]{8}(-[0-9a-f]{8}){4}$'",
    expected: "five groups of 8 hex digits",
  })),
  { kind: "records", column: "path", bad: "path IS NULL OR path !~ '^files/p1[0-9]/p1[0-9]{7}/s5[0-9]{7}/'", expected: "files/pXX/pNNNNNNNN/sNNNNNNNN/…" },
  { kind: "metadata", column: "Rows", bad: "rows IS NOT NULL AND rows !~ '^[0-9]{1,6}$'", expected: "a whole number" },
  { kind: "metadata", column: "Columns", bad: "columns IS NOT NULL AND columns !~ '^[0-9]{1,6}$'", expected: "a whole number" },
  { kind: "metadata", column: "StudyDate", bad: date("study_date"), expected: "a date as YYYYMMDD" },
  { kind: "metadata", column: "StudyTime", bad: "study_time IS NOT NULL AND (study_time !~ '^[0-9]{1,6}(\\.[0-9]*)?$' OR lpad(split_part(study_time, '.', 1), 6, '0') !~ '^([01][0-9]|2[0-3])[0-5][0-9][0-5][0-9]$')", expected: "HHMMSS.fff" },
  { kind: "split", column: "split", bad: "split IS NULL OR split NOT IN ('train', 'validate', 'test')", expected: "train, validate or test" },
  ...labels("chexpert"),
  ...labels("negbio"),
  ...labels("test-labels"),
];

const UNIQUE: [FileKind, string][] = [
  ["records", "dicom_id"],
  ["metadata", "dicom_id"],
  ["split", "dicom_id"],
  ["studies", "study_id"],
  ["chexpert", "study_id"],
  ["negbio", "study_id"],
  ["test-labels", "study_id"],
];

/**
 * Called only after the typed build failed, so a clean import pays nothing for it: finds the first
 * offending row in staging and names its file, line, column and value.
 */
export async function findBadRow(client: pg.ClientBase, cause: unknown): Promise<ImportError> {
  if (cause instanceof ImportError) return cause;
  const fileName = (kind: FileKind) => CSV_FILES.find((f) => f.kind === kind)!.name;
  for (const check of CHECKS) {
    const col = check.bad.split(" ")[0]!;
    const found = await client.query<{ line: string; value: string | null }>(`SELECT line, ${col} AS value FROM ${stagingTable(check.kind)} WHERE ${check.bad} ORDER BY line LIMIT 1`);
    const row = found.rows[0];
    if (row) return new ImportError(`${check.column} is ${row.value === null ? "empty" : `"${row.value}"`}; expected ${check.expected}`, fileName(check.kind), Number(row.line));
  }
  for (const [kind, column] of UNIQUE) {
    const dup = await client.query<{ value: string; first: string; second: string }>(
      `SELECT ${column} AS value, min(line) AS first, max(line) AS second FROM ${stagingTable(kind)} GROUP BY ${column} HAVING count(*) > 1 ORDER BY min(line) LIMIT 1`,
    );
    const row = dup.rows[0];
    if (row) return new ImportError(`${column} ${row.value} appears twice (lines ${row.first} and ${row.second})`, fileName(kind), Number(row.second));
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return new ImportError(`the files do not fit together: ${message}`);
}
