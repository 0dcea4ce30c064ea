import "server-only";
import { eq, sql } from "drizzle-orm";
import { labStorageSettings } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import type { CurrentUser } from "@/lib/auth/current-user";
import { now } from "@/lib/clock";
import type { DbOrTx } from "@/lib/db/client";
import type { FileStorage } from "@/lib/storage/file-storage";
import { freeBytesAt } from "./staging";

export { formatBytes } from "./format";

// Usage is read from the storage catalog (stored_files), not by listing the storage: one indexed
// sum, the same for a directory and an object store.

export type DatasetUsage = { datasetId: string; slug: string; version: string; title: string; files: number; bytes: number };
export type LabUsage = { files: number; bytes: number; quotaBytes: number | null; datasets: DatasetUsage[] };

export async function labUsage(db: DbOrTx, labId: string): Promise<LabUsage> {
  const rows = await db.execute<{ dataset_id: string; slug: string; version: string; title: string; files: string; bytes: string }>(sql`
    select s.dataset_id, d.slug, d.version, d.title, count(*) as files, coalesce(sum(s.size), 0) as bytes
    from stored_files s join datasets d on d.id = s.dataset_id
    where s.lab_id = ${labId} group by s.dataset_id, d.slug, d.version, d.title order by d.slug, d.version`);
  const datasets = rows.rows.map((r) => ({ datasetId: r.dataset_id, slug: r.slug, version: r.version, title: r.title, files: Number(r.files), bytes: Number(r.bytes) }));
  return {
    files: datasets.reduce((n, d) => n + d.files, 0),
    bytes: datasets.reduce((n, d) => n + d.bytes, 0),
    quotaBytes: await labQuota(db, labId),
    datasets,
  };
}

export async function labUsedBytes(db: DbOrTx, labId: string): Promise<number> {
  const rows = await db.execute<{ bytes: string | null }>(sql`select coalesce(sum(size), 0) as bytes from stored_files where lab_id = ${labId}`);
  return Number(rows.rows[0]?.bytes ?? 0);
}

export async function labQuota(db: DbOrTx, labId: string): Promise<number | null> {
  const [row] = await db.select({ quotaBytes: labStorageSettings.quotaBytes }).from(labStorageSettings).where(eq(labStorageSettings.labId, labId));
  return row?.quotaBytes ?? null;
}

export async function setLabQuota(db: DbOrTx, opts: { actor: CurrentUser; quotaBytes: number | null; ip?: string | null }): Promise<void> {
  await db.transaction(async (tx) => {
    const at = now();
    await tx
      .insert(labStorageSettings)
      .values({ labId: opts.actor.labId, quotaBytes: opts.quotaBytes, updatedBy: opts.actor.id, updatedAt: at })
      .onConflictDoUpdate({ target: labStorageSettings.labId, set: { quotaBytes: opts.quotaBytes, updatedBy: opts.actor.id, updatedAt: at } });
    await recordAudit(tx, { action: "storage.quota", labId: opts.actor.labId, actor: opts.actor, ip: opts.ip ?? null, target: { type: "lab", id: opts.actor.labId }, details: { quotaBytes: opts.quotaBytes } });
  });
}

/** Bytes that can still be written where downloads land: the smaller of lab storage and staging (null: unknown). */
export async function storageFreeBytes(storage: FileStorage, stagingDir: string): Promise<number | null> {
  const [store, staging] = await Promise.all([storage.freeBytes(), freeBytesAt(stagingDir)]);
  return store === null ? staging : Math.min(store, staging);
}
