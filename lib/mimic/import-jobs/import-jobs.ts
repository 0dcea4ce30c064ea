import "server-only";
import { and, desc, eq } from "drizzle-orm";
import { mimicImports } from "@/db/schema";
import type { CurrentUser } from "@/lib/auth/current-user";
import { getDb } from "@/lib/db/client";
import type { DatasetRef } from "@/lib/datasets/find-dataset";
import { AppError } from "@/lib/http/errors";
import { importMimicDirectory } from "../import/import-directory";
import { ImportError } from "../import/import-error";
import { recoverAbandonedImportsIfIdle } from "../import/recover";

export type ImportStatus = {
  id: string;
  status: "running" | "succeeded" | "failed" | "unchanged";
  phase: string | null;
  bytesDone: number;
  bytesTotal: number;
  rowsDone: number;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  counts: Record<string, number> | null;
};

export async function latestImport(datasetId: string): Promise<ImportStatus | null> {
  const [row] = await getDb().select().from(mimicImports).where(eq(mimicImports.datasetId, datasetId)).orderBy(desc(mimicImports.startedAt)).limit(1);
  if (!row) return null;
  return {
    id: row.id,
    status: row.status,
    phase: row.phase,
    bytesDone: row.bytesDone,
    bytesTotal: row.bytesTotal,
    rowsDone: row.rowsDone,
    startedAt: row.startedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    error: row.error,
    counts: row.counts ?? null,
  };
}

/**
 * Starts an import in this server process and returns at once; the page follows it through the
 * mimic_imports row the importer keeps up to date. The importer's own lock refuses a second one.
 */
export async function startImport(opts: { user: CurrentUser; dataset: DatasetRef; dir: string }): Promise<void> {
  // A "running" row whose process died must not block this one (a live import keeps it).
  await recoverAbandonedImportsIfIdle();
  const [running] = await getDb()
    .select({ id: mimicImports.id })
    .from(mimicImports)
    .where(and(eq(mimicImports.datasetId, opts.dataset.id), eq(mimicImports.status, "running")))
    .limit(1);
  if (running) throw new AppError("conflict", "An import of this dataset is already running");
  const job = importMimicDirectory({ dir: opts.dir, dataset: opts.dataset, actor: opts.user });
  // Later failures are on the import's row (status failed, with the message) where the page shows them.
  job.catch(() => {});
  // Most refusals (wrong project, bad checksums, missing files) come within the first moment: answer
  // those directly, so the steward sees them on the form.
  const early = await Promise.race([job.then(() => null, (e: unknown) => e), new Promise((r) => setTimeout(() => r(null), 1500))]);
  if (early instanceof ImportError) throw new AppError("bad_request", early.message, { dir: [early.message] });
  if (early) throw early;
}
