import "server-only";
import { and, desc, eq, gte, ilike, lt, lte, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { auditLog } from "@/db/schema";
import { getDb } from "@/lib/db/client";
import { storableTextSchema } from "@/lib/validation";
import { createAuditMasker } from "./mask";

// Filters are forgiving on the page (a bad one is dropped, not an error page), but never reach
// PostgreSQL as text it cannot store (a NUL made the CSV export hang).
export const auditFilterSchema = z.object({
  action: storableTextSchema.trim().max(100).optional().catch(undefined),
  actor: storableTextSchema.trim().max(254).optional().catch(undefined),
  outcome: z.enum(["ok", "denied", "failed"]).optional().catch(undefined),
  // Rows by, or about, one member: as actor, as target, or named in the details (a steward's decision).
  member: z.uuid().optional().catch(undefined),
  // Rows about one dataset version: its target, or its id in the details.
  dataset: z.uuid().optional().catch(undefined),
  // "type:id" as the table's target links it, e.g. "access_review:<uuid>".
  target: storableTextSchema.trim().max(300).regex(/^[a-z_]+:.+$/).optional().catch(undefined),
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
  if (f.member) parts.push(or(eq(auditLog.actorId, f.member), and(eq(auditLog.targetType, "user"), eq(auditLog.targetId, f.member)), sql`${auditLog.details}->>'userId' = ${f.member}`));
  if (f.dataset) parts.push(or(and(eq(auditLog.targetType, "dataset"), eq(auditLog.targetId, f.dataset)), sql`${auditLog.details}->>'datasetId' = ${f.dataset}`));
  if (f.target) {
    const at = f.target.indexOf(":");
    parts.push(and(eq(auditLog.targetType, f.target.slice(0, at)), eq(auditLog.targetId, f.target.slice(at + 1))));
  }
  if (f.from) parts.push(gte(auditLog.at, new Date(`${f.from}T00:00:00Z`)));
  if (f.to) parts.push(lt(auditLog.at, new Date(new Date(`${f.to}T00:00:00Z`).getTime() + 86_400_000)));
  return and(...parts);
}

const columns = {
  id: auditLog.id,
  at: auditLog.at,
  actorId: auditLog.actorId,
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

/** Who is reading: rows are scoped to their lab and masked by their own dataset access. */
export type AuditViewer = { userId: string; labId: string };

/** The filter as it is written into the audit row of the view itself (only what was set). */
export function auditFilterDetails(f: AuditFilter): Record<string, string | number> {
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as Record<string, string | number>;
}

export async function listAuditEntries(opts: { viewer: AuditViewer; filter: AuditFilter }) {
  const db = getDb();
  const w = where(opts.viewer.labId, opts.filter);
  const [rows, [count], mask] = await Promise.all([
    db.select(columns).from(auditLog).where(w).orderBy(desc(auditLog.id)).limit(AUDIT_PAGE_SIZE).offset((opts.filter.page - 1) * AUDIT_PAGE_SIZE),
    db.select({ n: sql<number>`count(*)::int` }).from(auditLog).where(w),
    createAuditMasker(db, opts.viewer),
  ]);
  return { rows: (await mask(rows)).map((r) => ({ ...r, at: r.at.toISOString() })), total: count?.n ?? 0 };
}

/**
 * Fixes what an export will hold before it starts: the rows matching the filter up to the newest
 * one now, so the count written in the export's audit row is the number of rows in the file.
 */
export async function snapshotAuditExport(opts: { labId: string; filter: AuditFilter }): Promise<{ rows: number; throughId: number }> {
  const [r] = await getDb().select({ n: sql<number>`count(*)::int`, max: sql<number | null>`max(${auditLog.id})` }).from(auditLog).where(where(opts.labId, opts.filter));
  return { rows: r?.n ?? 0, throughId: Number(r?.max ?? 0) };
}

/** Streams every matching row up to throughId, newest first, masked, in pages so a long log never sits in memory. */
export async function* iterateAuditEntries(opts: { viewer: AuditViewer; filter: AuditFilter; throughId: number }) {
  const db = getDb();
  const mask = await createAuditMasker(db, opts.viewer);
  let upTo = opts.throughId;
  for (;;) {
    const rows = await db.select(columns).from(auditLog).where(and(where(opts.viewer.labId, opts.filter), lte(auditLog.id, upTo))).orderBy(desc(auditLog.id)).limit(2000);
    if (rows.length === 0) return;
    for (const r of await mask(rows)) yield r;
    upTo = rows[rows.length - 1]!.id - 1;
  }
}
