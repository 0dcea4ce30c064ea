import "server-only";
import { and, eq } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { datasetDestructions, datasets, labs, users } from "@/db/schema";
import type { DbOrTx } from "@/lib/db/client";

export type Attestation = {
  id: string;
  lab: { name: string };
  dataset: { slug: string; version: string; title: string };
  heldSince: Date;
  retentionDays: number | null;
  requestedBy: { name: string; email: string };
  requestedAt: Date;
  confirmedBy: { name: string; email: string };
  confirmedAt: Date;
  destroyedAt: Date;
  fileCount: number;
  bytes: number;
  listSha256: string;
  storageBackend: string;
  sharedCopyKept: boolean;
  keptPaths: string[];
  auditId: number;
  auditHash: string;
};

/** The record of one finished destruction of the caller's lab, or null (unknown, another lab's, not done). */
export async function loadAttestation(db: DbOrTx, opts: { labId: string; destructionId: string }): Promise<Attestation | null> {
  const requester = alias(users, "requester");
  const confirmer = alias(users, "confirmer");
  const [row] = await db
    .select({ d: datasetDestructions, ds: datasets, lab: labs.name, rq: { name: requester.name, email: requester.email }, cf: { name: confirmer.name, email: confirmer.email } })
    .from(datasetDestructions)
    .innerJoin(datasets, eq(datasets.id, datasetDestructions.datasetId))
    .innerJoin(labs, eq(labs.id, datasetDestructions.labId))
    .innerJoin(requester, eq(requester.id, datasetDestructions.requestedBy))
    .innerJoin(confirmer, eq(confirmer.id, datasetDestructions.confirmedBy))
    .where(and(eq(datasetDestructions.id, opts.destructionId), eq(datasetDestructions.labId, opts.labId), eq(datasetDestructions.status, "done")))
    .limit(1);
  if (!row) return null;
  const { d } = row;
  return {
    id: d.id,
    lab: { name: row.lab },
    dataset: { slug: row.ds.slug, version: row.ds.version, title: row.ds.title },
    heldSince: d.heldSince,
    retentionDays: d.retentionDays,
    requestedBy: row.rq,
    requestedAt: d.requestedAt,
    confirmedBy: row.cf,
    confirmedAt: d.confirmedAt!,
    destroyedAt: d.destroyedAt!,
    fileCount: d.fileCount!,
    bytes: d.bytes!,
    listSha256: d.listSha256!,
    storageBackend: d.storageBackend ?? "local",
    sharedCopyKept: d.sharedCopyKept,
    keptPaths: d.keptPaths,
    auditId: d.auditId!,
    auditHash: d.auditHash!,
  };
}
