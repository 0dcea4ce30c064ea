import "server-only";
import { rm } from "node:fs/promises";
import path from "node:path";
import { and, eq, inArray, isNull, ne, sql } from "drizzle-orm";
import pg from "pg";
import { accessGrants, datasetDestructionFiles, datasetDestructions, datasets, downloadJobs, labDatasets, mimicCohorts, mimicImports, storedFiles, users } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { now } from "@/lib/clock";
import { applyGrantChange } from "@/lib/credentialing/grants";
import { getDb, type Db } from "@/lib/db/client";
import { endJob } from "@/lib/downloads/finish";
import { getEnv } from "@/lib/env";
import { isStorageKey, type FileStorage } from "@/lib/storage/file-storage";
import { getStorage } from "@/lib/storage/get-storage";
import { thumbnailCacheDir } from "@/lib/thumbnails/thumbnail-cache";
import { enumerateVersion, storagePrefix } from "./enumerate";
import { fileListSha256, type ListedFile } from "./file-list";

// The destruction job (docs/decisions/021). Safe to run twice and to resume after a crash: a
// session advisory lock lets one runner work at a time; the file list is taken once and stored
// before the first delete, each file is marked when gone, and the closing transaction (rows,
// grants, the lab's hold, the record, the audit row) runs only once every listed byte is gone and a
// fresh listing finds nothing left.

// Same key as lib/mimic/import/import-directory.ts: rows are not dropped under a running import.
const IMPORT_LOCK = 7_414_253_101;

export type DestructionOutcome = { outcome: "destroyed"; files: number; bytes: number; listSha256: string } | { outcome: "skipped"; reason: string };

export async function runDestruction(opts: { destructionId: string; storage?: FileStorage; db?: Db }): Promise<DestructionOutcome> {
  const db = opts.db ?? getDb();
  const storage = opts.storage ?? getStorage();
  const lockClient = new pg.Client({ connectionString: getEnv().DATABASE_URL });
  await lockClient.connect();
  try {
    const lock = await lockClient.query<{ ok: boolean }>("select pg_try_advisory_lock(hashtext('labgate-destruction'), hashtext($1)) as ok", [opts.destructionId]);
    if (!lock.rows[0]?.ok) return { outcome: "skipped", reason: "another worker is destroying this version" };
    return await destroyLocked(db, storage, opts.destructionId);
  } finally {
    await lockClient.end();
  }
}

async function destroyLocked(db: Db, storage: FileStorage, id: string): Promise<DestructionOutcome> {
  const [row] = await db
    .select({ d: datasetDestructions, slug: datasets.slug, version: datasets.version })
    .from(datasetDestructions)
    .innerJoin(datasets, eq(datasets.id, datasetDestructions.datasetId))
    .where(eq(datasetDestructions.id, id))
    .limit(1);
  if (!row) return { outcome: "skipped", reason: "no such destruction" };
  const { d } = row;
  if (d.status === "done") return { outcome: "skipped", reason: "already destroyed" };
  if (d.status !== "confirmed") return { outcome: "skipped", reason: `destruction is ${d.status}, not confirmed` };
  const ref = { slug: row.slug, version: row.version };

  if (!d.listedAt) {
    // No new bytes may arrive while the list is taken: the version's download jobs end first.
    const open = await db
      .select({ id: downloadJobs.id })
      .from(downloadJobs)
      .where(and(eq(downloadJobs.labId, d.labId), eq(downloadJobs.datasetId, d.datasetId), inArray(downloadJobs.state, ["preparing", "ready", "running", "paused"])));
    for (const j of open) await endJob(db, { jobId: j.id, state: "stopped", message: "The lab's copy of this dataset version is being destroyed (retention)." });
    const [other] = await db.select({ labId: labDatasets.labId }).from(labDatasets).where(and(eq(labDatasets.datasetId, d.datasetId), ne(labDatasets.labId, d.labId))).limit(1);
    const shared = Boolean(other);
    const listed = await enumerateVersion(db, { storage, labId: d.labId, datasetId: d.datasetId, ref, shared });
    await db.transaction(async (tx) => {
      for (let i = 0; i < listed.files.length; i += 1000) {
        await tx
          .insert(datasetDestructionFiles)
          .values(listed.files.slice(i, i + 1000).map((f) => ({ destructionId: id, path: f.path, size: f.size })))
          .onConflictDoNothing();
      }
      await tx
        .update(datasetDestructions)
        .set({ listedAt: now(), storageBackend: storage.kind, sharedCopyKept: shared, keptPaths: listed.keptPaths, error: null })
        .where(eq(datasetDestructions.id, id));
    });
    d.sharedCopyKept = shared;
  }

  await deleteListed(db, storage, id);
  // Folders left empty: the job staging folders and (when the bytes were this lab's alone) the import
  // directory, the local folder of the version and the version's thumbnail folder.
  const [fresh] = await db.select().from(datasetDestructions).where(eq(datasetDestructions.id, id));
  const jobs = await db.select({ id: downloadJobs.id }).from(downloadJobs).where(and(eq(downloadJobs.labId, d.labId), eq(downloadJobs.datasetId, d.datasetId)));
  const { removeJobStaging, stagingRoot } = await import("@/lib/downloads/staging");
  for (const j of jobs) await removeJobStaging(stagingRoot(), j.id);
  if (!fresh!.sharedCopyKept) {
    const listed = await enumerateVersion(db, { storage, labId: d.labId, datasetId: d.datasetId, ref, shared: false });
    for (const dir of listed.importDirs) await rm(/*turbopackIgnore: true*/ dir, { recursive: true, force: true });
    if (storage.kind === "local") await rm(/*turbopackIgnore: true*/ localPath(storagePrefix(ref)), { recursive: true, force: true });
    await rm(/*turbopackIgnore: true*/ path.join(thumbnailCacheDir(), d.datasetId), { recursive: true, force: true });
    // Anything that arrived after the list was taken (a transfer finishing late) is listed and removed
    // too; the job fails (and is retried) if anything is still there afterwards.
    const late = (await storage.list(storagePrefix(ref))).map((o) => ({ path: `${storage.kind}:${o.key}`, size: o.size }));
    if (late.length > 0) {
      await db.insert(datasetDestructionFiles).values(late.map((f) => ({ destructionId: id, path: f.path, size: f.size }))).onConflictDoNothing();
      await deleteListed(db, storage, id);
      const still = await storage.list(storagePrefix(ref));
      if (still.length > 0) throw new Error(`destruction ${id}: ${still.length} objects are still under ${storagePrefix(ref)}`);
    }
  }
  return finish(db, id);
}

function localPath(key: string): string {
  return path.join(path.resolve(getEnv().LABGATE_STORAGE_DIR), ...key.split("/").filter(Boolean));
}

async function deleteOne(storage: FileStorage, name: string): Promise<void> {
  const colon = name.indexOf(":");
  const where = name.slice(0, colon);
  const rest = name.slice(colon + 1);
  if (where === "file") return rm(/*turbopackIgnore: true*/ rest, { force: true });
  if (where !== storage.kind) throw new Error(`a destruction listed ${where} storage, but lab storage is ${storage.kind} now`);
  // A dot-named temporary of an interrupted local put has no storage key: removed by its path.
  if (!isStorageKey(rest) && where === "local") return rm(/*turbopackIgnore: true*/ localPath(rest), { force: true });
  await storage.delete(rest);
}

async function deleteListed(db: Db, storage: FileStorage, id: string): Promise<void> {
  for (;;) {
    const batch = await db
      .select({ path: datasetDestructionFiles.path })
      .from(datasetDestructionFiles)
      .where(and(eq(datasetDestructionFiles.destructionId, id), isNull(datasetDestructionFiles.deletedAt)))
      .limit(200);
    if (batch.length === 0) return;
    const done: string[] = [];
    // A few deletes at a time: object stores answer each in a round trip.
    for (let i = 0; i < batch.length; i += 8) {
      const slice = batch.slice(i, i + 8);
      await Promise.all(slice.map((f) => deleteOne(storage, f.path)));
      done.push(...slice.map((f) => f.path));
    }
    await db
      .update(datasetDestructionFiles)
      .set({ deletedAt: now() })
      .where(and(eq(datasetDestructionFiles.destructionId, id), inArray(datasetDestructionFiles.path, done)));
  }
}

async function finish(db: Db, id: string): Promise<DestructionOutcome> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${IMPORT_LOCK})`);
    const [d] = await tx.select().from(datasetDestructions).where(eq(datasetDestructions.id, id)).for("update");
    if (!d || d.status !== "confirmed") return { outcome: "skipped", reason: `destruction is ${d?.status ?? "gone"}` } as const;
    const [dataset] = await tx.select().from(datasets).where(eq(datasets.id, d.datasetId));
    const label = `${dataset!.slug} ${dataset!.version}`;
    const files: ListedFile[] = await tx.select({ path: datasetDestructionFiles.path, size: datasetDestructionFiles.size }).from(datasetDestructionFiles).where(eq(datasetDestructionFiles.destructionId, id));
    const listSha256 = fileListSha256(files);
    const bytes = files.reduce((n, f) => n + f.size, 0);
    // Another lab may have taken up the version since the list was made: then its rows stay too.
    const [other] = await tx.select({ labId: labDatasets.labId }).from(labDatasets).where(and(eq(labDatasets.datasetId, d.datasetId), ne(labDatasets.labId, d.labId))).limit(1);
    let rowsDropped = false;
    if (!d.sharedCopyKept && !other) {
      for (const parent of ["mimic_image", "mimic_study", "mimic_study_facet"]) {
        const parts = await tx.execute<{ name: string }>(sql`
          select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
          where i.inhparent = ${parent}::regclass and pg_get_expr(c.relpartbound, c.oid) = ${`FOR VALUES IN ('${d.datasetId}')`}`);
        for (const p of parts.rows) {
          await tx.execute(sql.raw(`ALTER TABLE ${parent} DETACH PARTITION "${p.name.replace(/"/g, "")}"`));
          await tx.execute(sql.raw(`DROP TABLE "${p.name.replace(/"/g, "")}"`));
        }
      }
      await tx.execute(sql`delete from mimic_facet_totals where dataset_id = ${d.datasetId}`);
      await tx.delete(mimicImports).where(eq(mimicImports.datasetId, d.datasetId));
      rowsDropped = true;
    }
    const cohorts = await tx.delete(mimicCohorts).where(and(eq(mimicCohorts.labId, d.labId), eq(mimicCohorts.datasetId, d.datasetId))).returning({ id: mimicCohorts.id });
    const catalog = await tx.delete(storedFiles).where(and(eq(storedFiles.labId, d.labId), eq(storedFiles.datasetId, d.datasetId))).returning({ path: storedFiles.path });
    // Members' access ends with a revocation each (audited and told), then the lab's hold on the
    // version goes: from here the access rule finds no copy, whatever a grant says, until re-added.
    const grants = await tx
      .select({ userId: accessGrants.userId })
      .from(accessGrants)
      .where(and(eq(accessGrants.labId, d.labId), eq(accessGrants.datasetId, d.datasetId), ne(accessGrants.status, "revoked")));
    const [confirmer] = await tx.select({ id: users.id, email: users.email }).from(users).where(eq(users.id, d.confirmedBy!));
    for (const g of grants) {
      await applyGrantChange(tx, {
        labId: d.labId,
        userId: g.userId,
        datasetId: d.datasetId,
        action: "revoke",
        reason: "destroyed",
        actor: null,
        decidedBy: confirmer!.id,
        ip: null,
        strict: false,
        audit: { action: "access.revoke", details: { destructionId: id } },
      });
    }
    await tx.delete(labDatasets).where(and(eq(labDatasets.labId, d.labId), eq(labDatasets.datasetId, d.datasetId)));
    const at = now();
    const audit = await recordAudit(tx, {
      action: "dataset.destroyed",
      labId: d.labId,
      actorEmail: "labgate worker",
      target: { type: "dataset", id: d.datasetId },
      details: {
        destructionId: id,
        dataset: label,
        requestedBy: d.requestedBy,
        confirmedBy: d.confirmedBy,
        files: files.length,
        bytes,
        listSha256,
        storageBackend: d.storageBackend,
        sharedCopyKept: d.sharedCopyKept,
        keptPaths: d.keptPaths,
        importedRowsDropped: rowsDropped,
        cohorts: cohorts.length,
        catalogRows: catalog.length,
        grantsRevoked: grants.length,
      },
    });
    await tx
      .update(datasetDestructions)
      .set({ status: "done", destroyedAt: at, fileCount: files.length, bytes, listSha256, auditId: audit.id, auditHash: audit.hash, error: null })
      .where(eq(datasetDestructions.id, id));
    return { outcome: "destroyed", files: files.length, bytes, listSha256 } as const;
  });
}
