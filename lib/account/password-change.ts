import "server-only";
import { eq } from "drizzle-orm";
import { users } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { enforceRateLimits, refundRateLimits } from "@/lib/limits/enforce";
import { endSessionsForNewPassword } from "./end-sessions";
import { RULES } from "@/lib/limits/rules";

type Actor = { id: string; email: string; labId: string };

export const OIDC_ONLY = "Your account signs in through your institution; change your password there.";

/**
 * A signed-in person changes their password. The current password is counted against a limit
 * before it is checked (parallel guesses cannot slip past), and a right one gives the attempt back.
 * Every other session of the person ends; the one that made the change stays signed in.
 */
export async function changePassword(opts: { actor: Actor; sessionId: string; currentPassword: string; newPassword: string; ip: string | null }) {
  const limits = [{ rule: RULES.passwordChangeAccount, subject: opts.actor.id }];
  await enforceRateLimits(limits, { labId: opts.actor.labId, actor: opts.actor, ip: opts.ip });
  const [row] = await getDb().select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, opts.actor.id)).limit(1);
  if (!row?.passwordHash) {
    await refundRateLimits(limits);
    throw new AppError("bad_request", OIDC_ONLY);
  }
  if (!(await verifyPassword(row.passwordHash, opts.currentPassword))) {
    await recordAudit(getDb(), { action: "auth.password_change", outcome: "denied", labId: opts.actor.labId, actor: opts.actor, ip: opts.ip, details: { reason: "wrong current password" } });
    throw new AppError("bad_request", "Your current password is not right.", { currentPassword: ["Your current password is not right."] });
  }
  await refundRateLimits(limits);
  if (opts.newPassword === opts.currentPassword) throw new AppError("bad_request", "Choose a new password different from the current one.", { newPassword: ["Choose a new password different from the current one."] });
  const passwordHash = await hashPassword(opts.newPassword);
  return getDb().transaction(async (tx) => {
    await tx.update(users).set({ passwordHash }).where(eq(users.id, opts.actor.id));
    const ended = await endSessionsForNewPassword(tx, { userId: opts.actor.id, keep: opts.sessionId, reason: "password_change" });
    await recordAudit(tx, { action: "auth.password_change", labId: opts.actor.labId, actor: opts.actor, target: { type: "user", id: opts.actor.id }, ip: opts.ip, details: { endedSessions: ended } });
    return { endedSessions: ended };
  });
}
