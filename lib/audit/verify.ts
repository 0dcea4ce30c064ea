import { asc, gt } from "drizzle-orm";
import { auditLog } from "@/db/schema";
import type { Db } from "@/lib/db/client";
import { auditRowHash, GENESIS_HASH, type AuditContent } from "./canonical";

export type VerifyResult =
  | { ok: true; checked: number; lastHash: string }
  | { ok: false; checked: number; brokenId: number; reason: string };

const PAGE = 5000;

// Walks the whole chain in id order, page by page, so memory stays flat on a long log.
export async function verifyAuditChain(db: Db): Promise<VerifyResult> {
  let prevHash = GENESIS_HASH;
  let afterId = 0;
  let checked = 0;
  for (;;) {
    const rows = await db.select().from(auditLog).where(gt(auditLog.id, afterId)).orderBy(asc(auditLog.id)).limit(PAGE);
    if (rows.length === 0) return { ok: true, checked, lastHash: prevHash };
    for (const row of rows) {
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
    }
  }
}
