import type { KeyObject } from "node:crypto";
import { asc, gt } from "drizzle-orm";
import { auditLog } from "@/db/schema";
import type { Db } from "@/lib/db/client";
import type { FileStorage } from "@/lib/storage/file-storage";
import { auditRowHash, GENESIS_HASH, type AuditContent } from "./canonical";
import { checkpointKey, readAuditCheckpoints, type CheckpointProblem, type StoredCheckpoint } from "./checkpoint";

export type VerifyResult =
  | { ok: true; checked: number; lastHash: string; checkpoints: number }
  | { ok: false; checked: number; brokenId: number; reason: string; checkpoint?: string };

const PAGE = 5000;

/**
 * Walks the whole chain in id order, page by page, so memory stays flat on a long log. With
 * `checkpoints` (verified signatures, see readAuditCheckpoints) it also checks, in the same pass,
 * that the row at each checkpoint's lastId still has the signed hash and that the signed number of
 * rows lead up to it: a table rewritten with its hashes recomputed, or rows deleted up to a
 * checkpoint, passes the chain check but not this one. A checkpoint beyond the last row means the
 * log's tail was deleted. `checkpointRowsNeedFiles`: every `audit.checkpoint` row must have its file.
 */
export async function verifyAuditChain(
  db: Db,
  opts: { checkpoints?: readonly StoredCheckpoint[]; checkpointFiles?: ReadonlySet<string> } = {},
): Promise<VerifyResult> {
  const pending = [...(opts.checkpoints ?? [])].sort((a, b) => a.lastId - b.lastId);
  const unwrittenCheckpointRows = new Set<number>();
  const checkpointRows: number[] = [];
  let next = 0;
  let prevHash = GENESIS_HASH;
  let afterId = 0;
  let checked = 0;
  const missingRow = (c: StoredCheckpoint, tail: boolean) => ({
    ok: false as const,
    checked,
    brokenId: c.lastId,
    checkpoint: c.key,
    reason: `row id ${c.lastId}, signed as the chain head by checkpoint ${c.key} (${c.at}), is missing (${tail ? "the log's tail was deleted" : "rows were deleted"})`,
  });
  for (;;) {
    const rows = await db.select().from(auditLog).where(gt(auditLog.id, afterId)).orderBy(asc(auditLog.id)).limit(PAGE);
    if (rows.length === 0) break;
    for (const row of rows) {
      if (next < pending.length && pending[next]!.lastId < row.id) return missingRow(pending[next]!, false);
      if (row.prevHash !== prevHash) {
        return { ok: false, checked, brokenId: row.id, reason: "prev_hash does not match the previous row (a row was removed or reordered)" };
      }
      const content: AuditContent = {
        id: row.id,
        at: row.at.toISOString(),
        labId: row.labId,
        actorId: row.actorId,
        actorEmail: row.actorEmail,
        action: row.action,
        targetType: row.targetType,
        targetId: row.targetId,
        outcome: row.outcome,
        ip: row.ip,
        details: row.details,
      };
      if (auditRowHash(prevHash, content) !== row.hash) {
        return { ok: false, checked, brokenId: row.id, reason: "content does not match its hash (the row was altered)" };
      }
      prevHash = row.hash;
      afterId = row.id;
      checked++;
      for (; next < pending.length && pending[next]!.lastId === row.id; next++) {
        const c = pending[next]!;
        if (c.headHash !== row.hash) {
          return {
            ok: false,
            checked,
            brokenId: row.id,
            checkpoint: c.key,
            reason: `row id ${row.id} no longer has the hash checkpoint ${c.key} (${c.at}) signed: the table was rewritten before this row`,
          };
        }
        if (c.rowCount !== checked) {
          return {
            ok: false,
            checked,
            brokenId: row.id,
            checkpoint: c.key,
            reason: `${checked} rows lead up to row id ${row.id}, checkpoint ${c.key} (${c.at}) signed ${c.rowCount}: rows were ${checked < c.rowCount ? "deleted" : "inserted"} before it`,
          };
        }
      }
      if (row.action === "audit.checkpoint") {
        if (row.outcome === "ok") checkpointRows.push(row.id);
        else if (typeof row.details.checkpointRowId === "number") unwrittenCheckpointRows.add(row.details.checkpointRowId);
      }
    }
  }
  if (next < pending.length) return missingRow(pending[next]!, true);
  if (opts.checkpointFiles) {
    // A checkpoint the log says was written but lab storage no longer has: someone removed the anchor.
    const lost = checkpointRows.find((id) => !unwrittenCheckpointRows.has(id) && !opts.checkpointFiles!.has(checkpointKey(id)));
    if (lost !== undefined) {
      return { ok: false, checked, brokenId: lost, checkpoint: checkpointKey(lost), reason: `checkpoint ${checkpointKey(lost)}, recorded by row id ${lost}, is missing from lab storage (it was deleted)` };
    }
  }
  return { ok: true, checked, lastHash: prevHash, checkpoints: pending.length };
}

export type AuditLogReport = {
  chain: VerifyResult;
  /** Checkpoint files that do not verify (bad signature, other key, not a checkpoint). */
  badCheckpoints: CheckpointProblem[];
  /** The newest checkpoint that verified, if any. */
  latest: StoredCheckpoint | null;
  ok: boolean;
};

/** The chain and every checkpoint in lab storage, checked together (what `npm run audit:verify` runs). */
export async function verifyAuditLog(db: Db, { storage, publicKey }: { storage: FileStorage; publicKey: KeyObject }): Promise<AuditLogReport> {
  const { checkpoints, problems } = await readAuditCheckpoints({ storage, publicKey });
  const files = new Set([...checkpoints.map((c) => c.key), ...problems.map((p) => p.key)]);
  const chain = await verifyAuditChain(db, { checkpoints, checkpointFiles: files });
  return { chain, badCheckpoints: problems, latest: checkpoints.at(-1) ?? null, ok: chain.ok && problems.length === 0 };
}
