import "server-only";
import { and, eq, inArray, isNotNull, sql } from "drizzle-orm";
import { auditLog } from "@/db/schema";
import type { DbOrTx } from "@/lib/db/client";

// "Last data access" comes from the audit log, the one record of every look at credentialed data:
// the newest successful row of a data-reading action, per member and dataset version.

/** Actions that read a version's data (rows, images, files, reports); sign-ins and decisions are not. */
export const DATA_ACCESS_ACTIONS = ["dataset.browse", "study.view", "study.view_report", "image.view", "image.preview", "image.thumbnail", "cohort.save", "cohort.export", "download.read", "download.create", "storage.browse"] as const;

/** Newest data access per "userId:datasetId" in the lab. Rows name their version by id or by "slug/version". */
export async function loadLastDataAccess(db: DbOrTx, opts: { labId: string; datasets: readonly { id: string; slug: string; version: string }[] }): Promise<Map<string, Date>> {
  const ref = sql<string | null>`coalesce(case when ${auditLog.targetType} = 'dataset' then ${auditLog.targetId} end, ${auditLog.details}->>'datasetId', ${auditLog.details}->>'dataset')`;
  const rows = await db
    .select({ userId: auditLog.actorId, ref, at: sql<Date>`max(${auditLog.at})` })
    .from(auditLog)
    .where(and(eq(auditLog.labId, opts.labId), eq(auditLog.outcome, "ok"), inArray(auditLog.action, [...DATA_ACCESS_ACTIONS]), isNotNull(auditLog.actorId)))
    .groupBy(auditLog.actorId, ref);
  const byLabel = new Map(opts.datasets.map((d) => [`${d.slug}/${d.version}`, d.id]));
  const ids = new Set(opts.datasets.map((d) => d.id));
  const out = new Map<string, Date>();
  for (const r of rows) {
    const datasetId = r.ref && (ids.has(r.ref) ? r.ref : byLabel.get(r.ref));
    if (!datasetId || !r.userId) continue;
    const key = `${r.userId}:${datasetId}`;
    const at = new Date(r.at);
    if (!out.has(key) || out.get(key)! < at) out.set(key, at);
  }
  return out;
}
