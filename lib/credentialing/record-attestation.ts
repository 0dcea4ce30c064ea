import "server-only";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { attestations, duaSignatures } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import type { CurrentUser } from "@/lib/auth/current-user";
import { now } from "@/lib/clock";
import { getDb, type DbOrTx } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { loadLabDatasetRequirements } from "./load-facts";
import { RESPONSIBLE_USE } from "./responsible-use";

// The member attests, in labgate, to the responsible-use text in force, or re-confirms the DUA they
// signed for one dataset version. No steward reviews an attestation: it is the member's own word,
// recorded with the exact text version and audited.

const agree = z.literal(true, { error: "Confirm that you have read the text and agree to it" });
export const attestationSchema = z.discriminatedUnion(
  "kind",
  [
    z.object({ kind: z.literal("responsible_use"), agree }),
    z.object({ kind: z.literal("dua"), datasetId: z.uuid({ error: "Choose a dataset version" }), agree }),
  ],
  { error: "Say what you attest to: responsible_use or dua" },
);
export type AttestationInput = z.infer<typeof attestationSchema>;

/** Inside the caller's transaction, so signing a DUA and attesting to responsible use happen together. */
export async function insertResponsibleUseAttestation(tx: DbOrTx, opts: { actor: CurrentUser; ip: string | null; via: "checklist" | "dua" }) {
  const [row] = await tx
    .insert(attestations)
    .values({ labId: opts.actor.labId, userId: opts.actor.id, kind: "responsible_use", datasetId: null, textVersion: RESPONSIBLE_USE.version, attestedAt: now() })
    .returning({ id: attestations.id });
  await recordAudit(tx, {
    action: "attestation.record",
    labId: opts.actor.labId,
    actor: opts.actor,
    target: { type: "user", id: opts.actor.id },
    ip: opts.ip,
    details: { userId: opts.actor.id, kind: "responsible_use", text: `${RESPONSIBLE_USE.name} ${RESPONSIBLE_USE.version}`, via: opts.via },
  });
  return { id: row!.id };
}

export async function recordAttestation(opts: { actor: CurrentUser; input: AttestationInput; ip: string | null }): Promise<{ id: string }> {
  const { actor, input } = opts;
  return getDb().transaction(async (tx) => {
    if (input.kind === "responsible_use") return insertResponsibleUseAttestation(tx, { actor, ip: opts.ip, via: "checklist" });
    const [dataset] = await loadLabDatasetRequirements(tx, { labId: actor.labId, datasetId: input.datasetId });
    if (!dataset) throw new AppError("not_found", "Your lab holds no such dataset version");
    // Only a DUA a steward accepted can be re-confirmed; anything else is signed, not re-confirmed.
    const [signed] = await tx
      .select({ id: duaSignatures.id })
      .from(duaSignatures)
      .where(and(eq(duaSignatures.userId, actor.id), eq(duaSignatures.labId, actor.labId), eq(duaSignatures.datasetId, dataset.id), eq(duaSignatures.duaName, dataset.duaName), eq(duaSignatures.duaVersion, dataset.duaVersion), eq(duaSignatures.status, "accepted")))
      .limit(1);
    if (!signed) throw new AppError("conflict", `You have no accepted ${dataset.duaName} ${dataset.duaVersion} signature for ${dataset.slug} ${dataset.version} to re-confirm: sign it first`);
    const textVersion = `${dataset.duaName} ${dataset.duaVersion}`;
    const [row] = await tx
      .insert(attestations)
      .values({ labId: actor.labId, userId: actor.id, kind: "dua", datasetId: dataset.id, textVersion, attestedAt: now() })
      .returning({ id: attestations.id });
    await recordAudit(tx, {
      action: "attestation.record",
      labId: actor.labId,
      actor,
      target: { type: "user", id: actor.id },
      ip: opts.ip,
      details: { userId: actor.id, kind: "dua", datasetId: dataset.id, dataset: `${dataset.slug}/${dataset.version}`, text: textVersion },
    });
    return { id: row!.id };
  });
}
