import "server-only";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { cloudIdentities } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import type { CurrentUser } from "@/lib/auth/current-user";
import { now } from "@/lib/clock";
import { mirrorLocation } from "@/lib/datasets/physionet-catalogue";
import { getDb } from "@/lib/db/client";
import { headSha256Sums, openMirror, type MirrorCheck } from "@/lib/downloads/mirror/client";
import { identitySchema, keysSchema, sealKeys, upsertIdentity } from "@/lib/downloads/mirror/identities";
import { AppError } from "@/lib/http/errors";
import { enforceRateLimits, refundRateLimits } from "@/lib/limits/enforce";
import { RULES } from "@/lib/limits/rules";
import { loadLabDatasetRequirements } from "./load-facts";

// "Verify with the mirror": one HEAD of the version's SHA256SUMS.txt in PhysioNet's cloud mirror,
// signed with the member's own keys. The HTTP status is recorded as evidence (200 granted, 403 not
// listed in the bucket's policy / Google group, 404 no such version); the keys are kept only if the
// member asks (sealed), never in a response, the audit log or a log line.

export const verifyMirrorSchema = z.intersection(
  identitySchema,
  keysSchema.extend({ datasetId: z.uuid({ error: "Choose a dataset version" }), keepKeys: z.boolean().default(false) }),
);

export const MIRROR_MESSAGES: Record<MirrorCheck["outcome"], string> = {
  confirmed: "The mirror confirmed your access to this dataset version with your cloud identity (HTTP 200).",
  not_authorized:
    "The mirror refused access (HTTP 403): PhysioNet has not granted this cloud identity access to this version. Link the AWS account or Google account on your PhysioNet profile (cloud access), with credentialing, training and this version's DUA in place, and use that identity's own keys.",
  not_found: "The mirror has no such dataset version (HTTP 404).",
  error: "The mirror could not be reached or gave no clear answer; this attempt changes nothing. Try again later.",
};

export async function verifyWithMirror(opts: { actor: CurrentUser; input: z.infer<typeof verifyMirrorSchema>; ip: string | null }) {
  const { actor, input } = opts;
  const db = getDb();
  const [dataset] = await loadLabDatasetRequirements(db, { labId: actor.labId, datasetId: input.datasetId });
  if (!dataset) throw new AppError("not_found", "Your lab holds no such dataset version");
  const location = mirrorLocation(dataset.slug, dataset.version, input.provider);
  if (!location) throw new AppError("bad_request", `PhysioNet has no cloud mirror of ${dataset.slug} ${dataset.version}`);
  const label = `${dataset.slug}/${dataset.version}`;
  const limits = [{ rule: RULES.verifyMember, subject: actor.id }];
  await enforceRateLimits(limits, { labId: actor.labId, actor, ip: opts.ip, details: { dataset: label, provider: input.provider } });

  const row = await upsertIdentity(db, { userId: actor.id, labId: actor.labId, datasetId: dataset.id, provider: input.provider, identity: input.identity });
  const access = openMirror({ provider: input.provider, slug: dataset.slug, version: dataset.version, keys: { accessKeyId: input.accessKeyId, secretAccessKey: input.secretAccessKey } });
  let result: MirrorCheck;
  try {
    result = await headSha256Sums(access, AbortSignal.timeout(30_000));
  } finally {
    access.close();
  }
  const checkedAt = now();
  await db.transaction(async (tx) => {
    await tx.update(cloudIdentities).set({ verifiedOutcome: result.outcome, verifiedStatus: result.httpStatus, verifiedAt: checkedAt, updatedAt: checkedAt }).where(eq(cloudIdentities.id, row.id));
    if (input.keepKeys && result.outcome === "confirmed") await sealKeys(tx, row, { accessKeyId: input.accessKeyId, secretAccessKey: input.secretAccessKey }, true);
    await recordAudit(tx, {
      action: "mirror.verify",
      outcome: result.outcome === "confirmed" ? "ok" : result.outcome === "error" ? "failed" : "denied",
      labId: actor.labId,
      actor,
      ip: opts.ip,
      target: { type: "cloud_identity", id: row.id },
      details: { dataset: label, provider: input.provider, identity: input.identity, bucket: location.bucket, result: result.outcome, httpStatus: result.httpStatus, keysKept: input.keepKeys && result.outcome === "confirmed" },
    });
  });
  // A refusal may be a wrong secret: only answers that took the keys are refunded.
  if (result.outcome === "confirmed" || result.outcome === "not_found") await refundRateLimits(limits);
  return { outcome: result.outcome, httpStatus: result.httpStatus, message: MIRROR_MESSAGES[result.outcome], checkedAt: checkedAt.toISOString(), provider: input.provider, identity: input.identity, bucket: location.bucket };
}
