import "server-only";
import { eq } from "drizzle-orm";
import { labAccessPolicies, labTrainingPolicies, trainingTypes } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import type { CurrentUser } from "@/lib/auth/current-user";
import { now } from "@/lib/clock";
import { loadLabPolicy } from "@/lib/credentialing/load-facts";
import { DEFAULT_TRAINING_VALIDITY_DAYS } from "@/lib/credentialing/policy";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";

// The lab's access settings: how long an accepted training counts per training type, whether a fresh
// PhysioNet verification stands in for steward approval, and when to warn. Changes are audited with
// their old and new values; the access rule reads them on the next request.

export async function getAccessPolicySettings(labId: string) {
  const db = getDb();
  const [policy, types] = await Promise.all([loadLabPolicy(db, labId), db.select().from(trainingTypes).orderBy(trainingTypes.name)]);
  return {
    verificationValidDays: policy.verificationValidDays,
    warningDays: policy.warningDays,
    responsibleUseRequired: policy.responsibleUseRequired ?? false,
    reattestMonths: policy.reattestMonths ?? null,
    trainings: types.map((t) => ({
      slug: t.slug,
      name: t.name,
      courseName: t.courseName,
      validityDays: t.slug in policy.trainingValidityDays ? policy.trainingValidityDays[t.slug]! : DEFAULT_TRAINING_VALIDITY_DAYS,
    })),
  };
}

export async function updateAccessSettings(opts: {
  actor: CurrentUser;
  verificationValidDays: number | null;
  warningDays: number;
  /** Omitted: kept as they are. */
  responsibleUseRequired?: boolean;
  reattestMonths?: number | null;
  ip: string | null;
}) {
  const { actor } = opts;
  return getDb().transaction(async (tx) => {
    const before = await loadLabPolicy(tx, actor.labId);
    const responsibleUseRequired = opts.responsibleUseRequired ?? before.responsibleUseRequired ?? false;
    const reattestMonths = opts.reattestMonths === undefined ? (before.reattestMonths ?? null) : opts.reattestMonths;
    const values = { verificationValidDays: opts.verificationValidDays, warningDays: opts.warningDays, responsibleUseRequired, reattestMonths, updatedBy: actor.id, updatedAt: now() };
    await tx.insert(labAccessPolicies).values({ labId: actor.labId, ...values }).onConflictDoUpdate({ target: labAccessPolicies.labId, set: values });
    await recordAudit(tx, {
      action: "policy.update",
      labId: actor.labId,
      actor,
      target: { type: "lab", id: actor.labId },
      ip: opts.ip,
      details: {
        from: { verificationValidDays: before.verificationValidDays, warningDays: before.warningDays, responsibleUseRequired: before.responsibleUseRequired ?? false, reattestMonths: before.reattestMonths ?? null },
        to: { verificationValidDays: opts.verificationValidDays, warningDays: opts.warningDays, responsibleUseRequired, reattestMonths },
      },
    });
    return { ok: true };
  });
}

export async function updateTrainingValidity(opts: { actor: CurrentUser; trainingType: string; validityDays: number | null; ip: string | null }) {
  const { actor } = opts;
  return getDb().transaction(async (tx) => {
    const [type] = await tx.select().from(trainingTypes).where(eq(trainingTypes.slug, opts.trainingType)).limit(1);
    if (!type) throw new AppError("not_found", "No such training type");
    const before = await loadLabPolicy(tx, actor.labId);
    const values = { validityDays: opts.validityDays, updatedBy: actor.id, updatedAt: now() };
    await tx
      .insert(labTrainingPolicies)
      .values({ labId: actor.labId, trainingType: type.slug, ...values })
      .onConflictDoUpdate({ target: [labTrainingPolicies.labId, labTrainingPolicies.trainingType], set: values });
    await recordAudit(tx, {
      action: "policy.training_validity",
      labId: actor.labId,
      actor,
      target: { type: "training_type", id: type.slug },
      ip: opts.ip,
      details: { from: type.slug in before.trainingValidityDays ? before.trainingValidityDays[type.slug] : DEFAULT_TRAINING_VALIDITY_DAYS, to: opts.validityDays },
    });
    return { ok: true };
  });
}
