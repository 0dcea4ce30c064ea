import "server-only";
import { and, desc, eq, inArray } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { datasetDestructions, datasets, labDatasets, users } from "@/db/schema";
import type { DbOrTx } from "@/lib/db/client";

// When a held version comes due: the day the lab took the copy (lab_datasets.added_at) plus its
// retention period. The earliest defensible start (docs/decisions/021): a copy downloaded later was
// still held, under the same agreement, from the day the lab added it.

export const DUE_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

export function retentionDueAt(heldSince: Date, retentionDays: number | null): Date | null {
  return retentionDays === null ? null : new Date(heldSince.getTime() + retentionDays * DAY_MS);
}

export type HeldVersion = {
  datasetId: string;
  slug: string;
  version: string;
  title: string;
  heldSince: Date;
  retentionDays: number | null;
  dueAt: Date | null;
  daysLeft: number | null;
  open: { id: string; status: "requested" | "confirmed"; requestedBy: string; requestedById: string; requestedAt: Date; confirmedBy: string | null } | null;
};

export async function listHeldVersions(db: DbOrTx, opts: { labId: string; now: Date }): Promise<HeldVersion[]> {
  const rows = await db
    .select({ d: datasets, heldSince: labDatasets.addedAt, retentionDays: labDatasets.retentionDays })
    .from(labDatasets)
    .innerJoin(datasets, eq(datasets.id, labDatasets.datasetId))
    .where(eq(labDatasets.labId, opts.labId))
    .orderBy(datasets.slug, datasets.version);
  const requester = alias(users, "requester");
  const confirmer = alias(users, "confirmer");
  const open = await db
    .select({ d: datasetDestructions, requestedBy: requester.name, confirmedBy: confirmer.name })
    .from(datasetDestructions)
    .innerJoin(requester, eq(requester.id, datasetDestructions.requestedBy))
    .leftJoin(confirmer, eq(confirmer.id, datasetDestructions.confirmedBy))
    .where(and(eq(datasetDestructions.labId, opts.labId), inArray(datasetDestructions.status, ["requested", "confirmed"])));
  const byDataset = new Map(open.map((o) => [o.d.datasetId, o]));
  return rows.map((r) => {
    const dueAt = retentionDueAt(r.heldSince, r.retentionDays);
    const o = byDataset.get(r.d.id);
    return {
      datasetId: r.d.id,
      slug: r.d.slug,
      version: r.d.version,
      title: r.d.title,
      heldSince: r.heldSince,
      retentionDays: r.retentionDays,
      dueAt,
      daysLeft: dueAt ? Math.ceil((dueAt.getTime() - opts.now.getTime()) / DAY_MS) : null,
      open: o
        ? { id: o.d.id, status: o.d.status as "requested" | "confirmed", requestedBy: o.requestedBy, requestedById: o.d.requestedBy, requestedAt: o.d.requestedAt, confirmedBy: o.confirmedBy }
        : null,
    };
  });
}

export async function listDestructions(db: DbOrTx, opts: { labId: string }) {
  return db
    .select({ id: datasetDestructions.id, slug: datasets.slug, version: datasets.version, destroyedAt: datasetDestructions.destroyedAt, fileCount: datasetDestructions.fileCount, bytes: datasetDestructions.bytes })
    .from(datasetDestructions)
    .innerJoin(datasets, eq(datasets.id, datasetDestructions.datasetId))
    .where(and(eq(datasetDestructions.labId, opts.labId), eq(datasetDestructions.status, "done")))
    .orderBy(desc(datasetDestructions.destroyedAt));
}
