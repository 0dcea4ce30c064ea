import "server-only";
import { z } from "zod";
import { safeCsv } from "@/lib/csv/safe-csv";
import { storableTextSchema } from "@/lib/validation";
import type { DbOrTx } from "@/lib/db/client";
import { loadGrantStatuses } from "./grants";
import { loadLastDataAccess } from "./last-data-access";
import { labAccessMatrix } from "./member-access";
import { cellText, MATRIX_CELL_DATES, MATRIX_STATUS_FILTERS, rowMatchesFilter, toMatrixView, type MatrixFilter, type MatrixRow, type MatrixStatusFilter, type MatrixView } from "./matrix-view";

// The steward's access matrix as the page shows it and as the CSV export writes it: one loader, one
// filter, so the file holds exactly the rows and cells on screen.

export const matrixFilterSchema = z.object({
  q: storableTextSchema.trim().max(200).optional().catch(undefined),
  status: z
    .enum(Object.keys(MATRIX_STATUS_FILTERS) as [MatrixStatusFilter, ...MatrixStatusFilter[]])
    .optional()
    .catch(undefined),
  dataset: z.uuid().optional().catch(undefined),
  // Columns the steward hid on the page ("role", "physionet", dataset ids): the export leaves them out.
  hide: z.string().max(4000).optional().catch(undefined),
});

export function parseMatrixFilter(params: Record<string, string | string[] | undefined>): MatrixFilter {
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) || undefined;
  const f = matrixFilterSchema.parse({ q: one(params.q), status: one(params.status), dataset: one(params.dataset) });
  return { q: f.q || undefined, status: f.status, datasetId: f.dataset };
}

/** The hidden columns named in `hide` (comma-separated); unknown names are ignored. */
export function parseHiddenColumns(params: Record<string, string | string[] | undefined>): Set<string> {
  const raw = matrixFilterSchema.shape.hide.parse(Array.isArray(params.hide) ? params.hide[0] : params.hide);
  return new Set((raw ?? "").split(",").map((s) => s.trim()).filter(Boolean));
}

export async function loadMatrixView(db: DbOrTx, opts: { labId: string; now: Date }): Promise<MatrixView> {
  const [matrix, grants] = await Promise.all([labAccessMatrix(db, opts), loadGrantStatuses(db, { labId: opts.labId })]);
  const lastAccess = await loadLastDataAccess(db, { labId: opts.labId, datasets: matrix.datasets });
  return toMatrixView(matrix, grants, lastAccess);
}

export const MATRIX_CSV_MEMBER_COLUMNS = ["member", "email", "role", "physionet_username"] as const;

/**
 * Header plus one line per member row matching the filter, with the columns visible on the page only:
 * each visible dataset gives its cell's text and its dates (ISO calendar days, UTC).
 */
export function matrixCsv(view: MatrixView, filter: MatrixFilter, hidden: ReadonlySet<string> = new Set()): { csv: string; rows: number } {
  const rows = view.rows.filter((r) => rowMatchesFilter(r, filter));
  const memberColumns = MATRIX_CSV_MEMBER_COLUMNS.filter((c) => !(c === "role" && hidden.has("role")) && !(c === "physionet_username" && hidden.has("physionet")));
  const shown = view.datasets.filter((d) => !hidden.has(d.id));
  const header = [...memberColumns, ...shown.flatMap((d) => [d.label, ...MATRIX_CELL_DATES.map(([, name]) => `${d.label} ${name}`)])];
  const memberValue = { member: (r: MatrixRow) => r.member.name, email: (r: MatrixRow) => r.member.email, role: (r: MatrixRow) => r.member.role, physionet_username: (r: MatrixRow) => r.member.physionetUsername ?? "" };
  const lines = rows.map((r) => [
    ...memberColumns.map((c) => memberValue[c](r)),
    ...shown.flatMap((d) => {
      const c = r.cells[d.id];
      return [c ? cellText(c) : "", ...MATRIX_CELL_DATES.map(([key]) => (c?.[key] ? String(c[key]).slice(0, 10) : ""))];
    }),
  ]);
  return { csv: safeCsv([header, ...lines]), rows: rows.length };
}
