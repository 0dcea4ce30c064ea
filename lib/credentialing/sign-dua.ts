import "server-only";
import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { duaSignatures } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import type { CurrentUser } from "@/lib/auth/current-user";
import { now } from "@/lib/clock";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { calendarDateSchema } from "./calendar-date";
import { responsibleUseStep } from "./attestation-steps";
import { loadLabDatasetRequirements, loadLabPolicy, loadMemberFacts } from "./load-facts";
import { insertResponsibleUseAttestation } from "./record-attestation";
import { RESPONSIBLE_USE } from "./responsible-use";
import { notifyStewards } from "./notify-stewards";

// The member records that they signed the dataset version's DUA on PhysioNet. labgate keeps which
// DUA (name and version) it was, as PhysioNet does not, so a new DUA version needs a new signature,
// and a signature covers one dataset version only.

export function duaSignatureSchema(clock: () => Date = now) {
  return z.object({
    datasetId: z.uuid({ error: "Choose a dataset version" }),
    signedOn: calendarDateSchema("The signing date", { now: clock }),
    initials: z
      .string({ error: "Type your initials" })
      .trim()
      .regex(/^[\p{L}]{2,5}$/u, "Type your initials: 2 to 5 letters, like JD")
      .transform((s) => s.toUpperCase()),
    agree: z.literal(true, { error: "Confirm that you signed this agreement on PhysioNet" }),
    // Where the lab requires it, the member attests to responsible use of online services with the DUA.
    responsibleUse: z.boolean().optional(),
  });
}
export type DuaSignatureInput = z.infer<ReturnType<typeof duaSignatureSchema>>;

export async function signDua(opts: { actor: CurrentUser; input: DuaSignatureInput; ip: string | null }): Promise<{ id: string }> {
  const { actor, input } = opts;
  return getDb().transaction(async (tx) => {
    const [dataset] = await loadLabDatasetRequirements(tx, { labId: actor.labId, datasetId: input.datasetId });
    if (!dataset) throw new AppError("not_found", "Your lab holds no such dataset version");
    const [live] = await tx
      .select({ status: duaSignatures.status })
      .from(duaSignatures)
      .where(
        and(
          eq(duaSignatures.userId, actor.id),
          eq(duaSignatures.datasetId, dataset.id),
          eq(duaSignatures.duaName, dataset.duaName),
          eq(duaSignatures.duaVersion, dataset.duaVersion),
          inArray(duaSignatures.status, ["pending", "accepted"]),
        ),
      )
      .limit(1);
    // Signed together: a lab that requires the responsible-use attestation gets it with the DUA,
    // unless the member already holds a current one.
    const policy = await loadLabPolicy(tx, actor.labId);
    if (policy.responsibleUseRequired && input.responsibleUse !== true) {
      const facts = await loadMemberFacts(tx, { labId: actor.labId, userId: actor.id });
      if (responsibleUseStep({ dataset, facts, policy, now: now() }).status !== "done") {
        throw new AppError("bad_request", `Your lab requires you to attest to the ${RESPONSIBLE_USE.name} (version ${RESPONSIBLE_USE.version}) with your DUA`, { responsibleUse: [`Attest to the ${RESPONSIBLE_USE.name}`] });
      }
    }
    if (live) {
      throw new AppError("conflict", live.status === "accepted" ? `Your ${dataset.duaName} ${dataset.duaVersion} signature for ${dataset.slug} ${dataset.version} is already accepted` : `Your signature for ${dataset.slug} ${dataset.version} is already awaiting review`);
    }
    const [row] = await tx
      .insert(duaSignatures)
      .values({ labId: actor.labId, userId: actor.id, datasetId: dataset.id, duaName: dataset.duaName, duaVersion: dataset.duaVersion, signedOn: input.signedOn, initials: input.initials, status: "pending", createdAt: now() })
      .returning({ id: duaSignatures.id });
    if (input.responsibleUse === true) await insertResponsibleUseAttestation(tx, { actor, ip: opts.ip, via: "dua" });
    await recordAudit(tx, {
      action: "dua.sign",
      labId: actor.labId,
      actor,
      target: { type: "dua_signature", id: row!.id },
      ip: opts.ip,
      details: { dataset: `${dataset.slug}/${dataset.version}`, dua: `${dataset.duaName} ${dataset.duaVersion}`, signedOn: input.signedOn, initials: input.initials },
    });
    await notifyStewards(tx, { labId: actor.labId, title: `DUA signature to review: ${actor.name}`, body: `${actor.name} recorded signing the ${dataset.duaName} ${dataset.duaVersion} for ${dataset.slug} ${dataset.version} on ${input.signedOn}.` });
    return { id: row!.id };
  });
}
