import "server-only";
import { readFile } from "node:fs/promises";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { physionetAccounts, physionetVerifications } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import type { CurrentUser } from "@/lib/auth/current-user";
import { now } from "@/lib/clock";
import { getDb } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/http/errors";
import { enforceRateLimits, refundRateLimits } from "@/lib/limits/enforce";
import { RULES } from "@/lib/limits/rules";
import { verifyPhysionetAccess, type VerifyOutcome } from "@/lib/physionet/wget/verify-access";
import { WgetBusyError } from "@/lib/physionet/wget/wget-slots";
import { loadLabDatasetRequirements } from "./load-facts";

// "Verify with PhysioNet": the member's password is used for one HEAD request by GNU wget and kept
// nowhere — not in the database, the audit log, a response or an error.

export const verifySchema = z.object({
  datasetId: z.uuid({ error: "Choose a dataset version" }),
  password: z.string({ error: "Enter your PhysioNet password" }).min(1, "Enter your PhysioNet password").max(256, "That password is too long"),
});

const MESSAGES: Record<VerifyOutcome, string> = {
  confirmed: "PhysioNet confirmed your access to this dataset version.",
  wrong_credentials: "PhysioNet did not accept your username or password (HTTP 401). Check both and try again.",
  not_authorized: "PhysioNet refused access to this dataset version (HTTP 403): your credentialing, training or the DUA for this exact version is missing there.",
  not_found: "PhysioNet does not know this dataset version (HTTP 404).",
  error: "PhysioNet could not be reached or gave no clear answer; this attempt does not change your access. Try again later.",
};

export async function verifyWithPhysionet(opts: { actor: CurrentUser; datasetId: string; password: string; ip: string | null }) {
  const { actor } = opts;
  const db = getDb();
  const [dataset] = await loadLabDatasetRequirements(db, { labId: actor.labId, datasetId: opts.datasetId });
  if (!dataset) throw new AppError("not_found", "Your lab holds no such dataset version");
  const [account] = await db.select().from(physionetAccounts).where(eq(physionetAccounts.userId, actor.id)).limit(1);
  if (!account) throw new AppError("bad_request", "Record your PhysioNet username first (step 1)");
  // Counted before wget runs, so parallel attempts cannot all pass.
  const limits = [
    { rule: RULES.verifyMember, subject: actor.id },
    { rule: RULES.verifyUsername, subject: account.username },
  ];
  await enforceRateLimits(limits, { labId: actor.labId, actor, ip: opts.ip, details: { dataset: `${dataset.slug}/${dataset.version}`, username: account.username } });
  const env = getEnv();
  const result = await verifyPhysionetAccess({
    baseUrl: env.PHYSIONET_BASE_URL,
    slug: dataset.slug,
    version: dataset.version,
    username: account.username,
    password: opts.password,
    caCertificate: env.PHYSIONET_CA_FILE ? await readFile(env.PHYSIONET_CA_FILE, "utf8") : null,
  }).catch(async (e: unknown) => {
    // Every wget slot taken (decision 019): refused, audited, and the route answers 429.
    if (e instanceof WgetBusyError) {
      const details = { dataset: `${dataset.slug}/${dataset.version}`, username: account.username, result: "busy", retryAfterSeconds: e.retryAfterSeconds };
      await db.transaction((tx) => recordAudit(tx, { action: "physionet.verify", outcome: "denied", labId: actor.labId, actor, ip: opts.ip, details }));
    }
    throw e;
  });
  const checkedAt = now();
  await db.transaction(async (tx) => {
    const [row] = await tx
      .insert(physionetVerifications)
      .values({ labId: actor.labId, userId: actor.id, datasetId: dataset.id, physionetUsername: account.username, outcome: result.outcome, httpStatus: result.httpStatus, detail: result.detail, checkedAt })
      .returning({ id: physionetVerifications.id });
    await recordAudit(tx, {
      action: "physionet.verify",
      outcome: result.outcome === "confirmed" ? "ok" : result.outcome === "error" ? "failed" : "denied",
      labId: actor.labId,
      actor,
      target: { type: "physionet_verification", id: row!.id },
      ip: opts.ip,
      details: { dataset: `${dataset.slug}/${dataset.version}`, username: account.username, result: result.outcome, httpStatus: result.httpStatus },
    });
  });
  // Only refused passwords and unanswered requests count; PhysioNet took the password otherwise.
  if (result.outcome !== "wrong_credentials" && result.outcome !== "error") await refundRateLimits(limits);
  return { outcome: result.outcome, httpStatus: result.httpStatus, message: MESSAGES[result.outcome], checkedAt: checkedAt.toISOString() };
}
