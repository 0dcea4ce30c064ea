import "server-only";
import { and, desc, eq, gte, ilike, lt, lte, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { auditLog } from "@/db/schema";
import { getDb } from "@/lib/db/client";

export const auditFilterSchema = z.object({
  action: z.string().trim().max(100).optional().catch(undefined),
  actor: z.string().trim().max(254).optional().catch(undefined),
  outcome: z.enum(["ok", "denied", "failed"]).optional().catch(undefined),
  from: z.iso.date().optional().catch(undefined),
  to: z.iso.date().optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).default(1).catch(1),
});
export type AuditFilter = z.infer<typeof auditFilterSchema>;

export const AUDIT_PAGE_SIZE = 50;

// Always scoped to one lab: a steward never sees another lab's rows, even by crafting a filter.
function where(labId: string, f: AuditFilter): SQL | undefined {
  const parts: (SQL | undefined)[] = [eq(auditLog.labId, labId)];
  if (f.action) parts.push(ilike(auditLog.action, `${f.action.replace(/[%_\\]/g, "\\$&")}%`));
  if (f.actor) parts.push(ilike(auditLog.actorEmail, `%${f.actor.replace(/[%_\\]/g, "\\$&")}%`));
  if (f.outcome) parts.push(eq(auditLog.outcome, f.outcome));
  if (f.from) parts.push(gte(auditLog.at, new Date(`${f.from}T00:00:00Z`)));
  if (f.to) parts.push(lt(auditLog.at, new Date(new Date(`${f.to}T00:00:00Z`).getTime() + 86_400_000)));
  return and(...parts);
}

const columns = {
  id: auditLog.id,
  at: auditLog.at,
  actorEmail: auditLog.actorEmail,
  action: auditLog.action,
  targetType: auditLog.targetType,
  targetId: auditLog.targetId,
  outcome: auditLog.outcome,
  ip: auditLog.ip,
  details: auditLog.details,
  prevHash: auditLog.prevHash,
  hash: auditLog.hash,
};

export async function listAuditEntries(opts: { labId: string; filter: AuditFilter }) {
  const db = getDb();
  const w = where(opts.labId, opts.filter);
  const [rows, [count]] = await Promise.all([
    db.select(columns).from(auditLog).where(w).orderBy(desc(auditLog.id)).limit(AUDIT_PAGE_SIZE).offset((opts.filter.page - 1) * AUDIT_PAGE_SIZE),
    db.select({ n: sql<number>`count(*)::int` }).from(auditLog).where(w),
  ]);
  return { rows: rows.map((r) => ({ ...r, at: r.at.toISOString() })), total: count?.n ?? 0 };
}

/** Streams every matching row, newest first, in pages so a long log never sits in memory. */
export async function* iterateAuditEntries(opts: { labId: string; filter: AuditFilter }) {
  const db = getDb();
  let beforeId: number | null = null;
  for (;;) {
    const w = and(where(opts.labId, opts.filter), beforeId === null ? undefined : lte(auditLog.id, beforeId - 1));
    const rows = await db.select(columns).from(auditLog).where(w).orderBy(desc(auditLog.id)).limit(2000);
    if (rows.length === 0) return;
    for (const r of rows) yield r;
    beforeId = rows[rows.length - 1]!.id;
  }
}
