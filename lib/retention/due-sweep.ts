import "server-only";
import { and, eq, inArray, isNotNull } from "drizzle-orm";
import { datasets, labDatasets, users } from "@/db/schema";
import type { Db } from "@/lib/db/client";
import { notifyOnce } from "@/lib/notifications/notify";
import { DUE_WARNING_DAYS, retentionDueAt } from "./held-versions";

// Once a day: a task for every steward and admin of the lab 30 days before a held version's retention
// ends, and another on the day. The dedupe key names the hold (its start), so each is given once per
// hold, and a version re-added later starts over.

const DAY_MS = 86_400_000;

export async function runRetentionSweep(db: Db, opts: { now: Date }): Promise<{ soon: number; due: number }> {
  const held = await db
    .select({ labId: labDatasets.labId, datasetId: labDatasets.datasetId, addedAt: labDatasets.addedAt, retentionDays: labDatasets.retentionDays, slug: datasets.slug, version: datasets.version })
    .from(labDatasets)
    .innerJoin(datasets, eq(datasets.id, labDatasets.datasetId))
    .where(isNotNull(labDatasets.retentionDays));
  const result = { soon: 0, due: 0 };
  for (const h of held) {
    const dueAt = retentionDueAt(h.addedAt, h.retentionDays)!;
    const left = dueAt.getTime() - opts.now.getTime();
    if (left > DUE_WARNING_DAYS * DAY_MS) continue;
    const isDue = left <= 0;
    const label = `${h.slug} ${h.version}`;
    const day = dueAt.toISOString().slice(0, 10);
    const stewards = await db
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.labId, h.labId), eq(users.status, "active"), inArray(users.role, ["steward", "admin"])));
    for (const s of stewards) {
      const fresh = await notifyOnce(db, {
        labId: h.labId,
        userId: s.id,
        kind: "retention_due",
        title: isDue ? `Retention ended: destroy ${label}` : `Retention ends ${day}: ${label}`,
        body: isDue
          ? `The lab's retention period for ${label} ended on ${day}. Request its destruction; a second steward or an admin confirms it.`
          : `The lab's retention period for ${label} ends on ${day} (in ${Math.ceil(left / DAY_MS)} days). Plan its destruction, or change the retention period in Settings if the agreement allows.`,
        link: "/stewardship/retention",
        dedupeKey: `retention-${isDue ? "due" : "soon"}:${h.labId}:${h.datasetId}:${h.addedAt.getTime()}`,
      });
      if (fresh) result[isDue ? "due" : "soon"]++;
    }
  }
  return result;
}
