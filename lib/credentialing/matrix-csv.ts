import "server-only";
import { z } from "zod";
import { safeCsv } from "@/lib/csv/safe-csv";
import { storableTextSchema } from "@/lib/validation";
import type { DbOrTx } from "@/lib/db/client";
import { loadGrantStatuses } from "./grants";
import { labAccessMatrix } from "./member-access";
import { cellText, MATRIX_STATUS_FILTERS, rowMatchesFilter, toMatrixView, type MatrixFilter, type MatrixStatusFilter, type MatrixView } from "./matrix-view";

// The steward's access matrix as the page shows it and as the CSV export writes it: one loader, one
// filter, so the file holds exactly the rows and cells on screen.

export const matrixFilterSchema = z.object({
  q: storableTextSchema.trim().max(200).optional().catch(undefined),
  status: z
    .enum(Object.keys(MATRIX_STATUS_FILTERS) as [MatrixStatusFilter, ...MatrixStatusFilter[]])
    .optional()
    .catch(undefined),
  dataset: z.uuid().optional().catch(undefined),
});

export function parseMatrixFilter(params: Record<string, string | string[] | undefined>): MatrixFilter {
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) || undefined;
  const f = matrixFilterSchema.parse({ q: one(params.q), status: one(params.status), dataset: one(params.dataset) });
  return { q: f.q || undefined, status: f.status, datasetId: f.dataset };
}

export async function loadMatrixView(db: DbOrTx, opts: { labId: string; now: Date }): Promise<MatrixView> {
  const [matrix, grants] = await Promise.all([labAccessMatrix(db, opts), loadGrantStatuses(db, { labId: opts.labId })]);
  return toMatrixView(matrix, grants);
}

export const MATRIX_CSV_MEMBER_COLUMNS = ["member", "email", "role", "physionet_username"] as const;

/** Header plus one line per member row matching the filter; each dataset column holds the cell's text. */
export function matrixCsv(view: MatrixView, filter: MatrixFilter): { csv: string; rows: number } {
  const rows = view.rows.filter((r) => rowMatchesFilter(r, filter));
  const header = [...MATRIX_CSV_MEMBER_COLUMNS, ...view.datasets.map((d) => d.label)];
  const lines = rows.map((r) => [
    r.member.name,
    r.member.email,
    r.member.role,
    r.member.physionetUsername ?? "",
    ...view.datasets.map((d) => {
      const c = r.cells[d.id];
      return c ? cellText(c) : "";
    }),
  ]);
  return { csv: safeCsv([header, ...lines]), rows: rows.length };
}
