import "server-only";
import { sql } from "drizzle-orm";
import { now } from "@/lib/clock";
import type { Db } from "@/lib/db/client";
import type { FileStorage } from "@/lib/storage/file-storage";
import { CHECKPOINT_FOLDER, checkpointKey, signCheckpoint, type CheckpointFile } from "./checkpoint";
import type { AuditSigningKey } from "./checkpoint-key";
import { recordAudit } from "./record";

/**
 * Writes one checkpoint. The checkpoint's own audit row (`audit.checkpoint`) is appended and
 * committed first and then is the head the checkpoint signs, so the record of each checkpoint is
 * itself anchored by it. Counting happens after the commit, outside the chain lock: every row with a
 * smaller id was committed before ours (ids are taken under the lock).
 */
export async function writeAuditCheckpoint({ db, storage, key, source }: { db: Db; storage: FileStorage; key: AuditSigningKey; source: "worker" | "cli" | "test" }): Promise<CheckpointFile> {
  const row = await recordAudit(db, {
    action: "audit.checkpoint",
    target: { type: "storage", id: CHECKPOINT_FOLDER },
    details: { keyFingerprint: key.fingerprint, source },
  });
  const counted = await db.execute<{ n: string }>(sql`select count(*) as n from audit_log where id <= ${row.id}`);
  const file = signCheckpoint({ lastId: row.id, headHash: row.hash, rowCount: Number(counted.rows[0]!.n), at: now().toISOString() }, key);
  try {
    await storage.put(checkpointKey(row.id), Buffer.from(`${JSON.stringify(file, null, 2)}\n`));
  } catch (e) {
    // Says which checkpoint row has no file, so verify does not report it as a deleted checkpoint.
    await recordAudit(db, {
      action: "audit.checkpoint",
      outcome: "failed",
      target: { type: "storage", id: CHECKPOINT_FOLDER },
      details: { checkpointRowId: row.id, source, error: e instanceof Error ? e.message.slice(0, 200) : String(e) },
    });
    throw e;
  }
  return file;
}
