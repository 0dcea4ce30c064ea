import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { and, eq, gt, isNull, ne, sql } from "drizzle-orm";
import { passwordResets, users } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { hashPassword } from "@/lib/auth/password";
import { canManageUser, type Role } from "@/lib/auth/roles";
import { now } from "@/lib/clock";
import { getDb, type Tx } from "@/lib/db/client";
import { getEnv, type Env } from "@/lib/env";
import { AppError } from "@/lib/http/errors";
import { enforceRateLimits, refundRateLimits } from "@/lib/limits/enforce";
import { createMailer, describeMailError } from "@/lib/notifications/mailer";
import { endSessionsForNewPassword } from "./end-sessions";
import { RULES } from "@/lib/limits/rules";

// A mailed link is short-lived: it sits in a mailbox. An admin's link is handed over in person or
// by chat, often the next morning (decision 022).
export const EMAIL_LINK_TTL_MS = 3600_000;
export const ADMIN_LINK_TTL_MS = 24 * 3600_000;

export const RESET_REQUESTED = "If an account with that email exists, a reset link is on its way. It works once, for one hour.";
export const INVALID_RESET_LINK = "This reset link is not valid: it may have expired or been used already. Ask for a new one.";

function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

async function insertLink(tx: Tx, opts: { userId: string; createdBy: string | null; ttlMs: number }) {
  const token = randomBytes(32).toString("base64url");
  const at = now();
  const expiresAt = new Date(at.getTime() + opts.ttlMs);
  const [row] = await tx.insert(passwordResets).values({ userId: opts.userId, tokenHash: tokenHash(token), createdBy: opts.createdBy, createdAt: at, expiresAt }).returning({ id: passwordResets.id });
  return { id: row!.id, token, expiresAt };
}

/** Earlier unused links of a user stop working (a new link was issued, or the password was reset). */
async function expireOpenLinks(tx: Tx, opts: { userId: string; except?: string }) {
  await tx
    .update(passwordResets)
    .set({ expiresAt: now() })
    .where(and(eq(passwordResets.userId, opts.userId), isNull(passwordResets.usedAt), gt(passwordResets.expiresAt, now()), opts.except ? ne(passwordResets.id, opts.except) : undefined));
}

export function resetLinkUrl(token: string, env: Env = getEnv()): string {
  return `${env.NEXTAUTH_URL.replace(/\/$/, "")}/reset-password/${token}`;
}

/**
 * An admin issues a one-time reset link for a person of their own lab (no SMTP, or a mailbox that
 * is gone). Nobody issues one for themselves: they change their password, which needs the current one.
 */
export async function issueResetLink(opts: { actor: { id: string; email: string; labId: string; role: Role }; userId: string; ip: string | null }) {
  if (opts.actor.role !== "admin") throw new AppError("forbidden", "Only an admin can issue a password reset link");
  if (opts.userId === opts.actor.id) throw new AppError("forbidden", "You cannot issue a reset link for yourself; change your password on your account page instead.");
  return getDb().transaction(async (tx) => {
    const [subject] = await tx
      .select({ id: users.id, email: users.email, role: users.role, status: users.status, passwordHash: users.passwordHash })
      .from(users)
      .where(and(sql`${users.id}::text = ${opts.userId}`, eq(users.labId, opts.actor.labId)))
      .limit(1);
    if (!subject) throw new AppError("not_found", "No such member in your lab");
    if (!canManageUser(opts.actor.role, subject.role)) throw new AppError("forbidden", `Only an admin can issue a reset link for a ${subject.role}`);
    if (subject.status !== "active") throw new AppError("conflict", `${subject.email} is deactivated; reactivate the account first.`);
    if (!subject.passwordHash) throw new AppError("conflict", `${subject.email} signs in through their institution and has no labgate password.`);
    await expireOpenLinks(tx, { userId: subject.id });
    const link = await insertLink(tx, { userId: subject.id, createdBy: opts.actor.id, ttlMs: ADMIN_LINK_TTL_MS });
    await recordAudit(tx, { action: "auth.password_reset_link", labId: opts.actor.labId, actor: opts.actor, target: { type: "user", id: subject.id }, ip: opts.ip, details: { email: subject.email, expiresAt: link.expiresAt.toISOString() } });
    return { email: subject.email, url: resetLinkUrl(link.token), expiresAt: link.expiresAt };
  });
}

/**
 * The part of a reset request the person waits for: the limits (per typed email and per address).
 * Everything that depends on whether the account exists runs after the answer (sendResetLink),
 * so the answer and its timing are the same for every email.
 */
export async function admitResetRequest(opts: { email: string; ip: string | null }) {
  const email = opts.email.toLowerCase();
  await enforceRateLimits([...(opts.ip ? [{ rule: RULES.passwordResetIp, subject: opts.ip }] : []), { rule: RULES.passwordResetEmail, subject: email }], { actorEmail: email, ip: opts.ip });
}

/**
 * Mails a one-hour link to an active account with a password, directly through SMTP rather than the
 * notification outbox, which the worker drains once a minute (decision 022). Audited either way.
 */
export async function sendResetLink(opts: { email: string; ip: string | null; env?: Env }): Promise<{ sent: boolean }> {
  const env = opts.env ?? getEnv();
  if (!env.SMTP_URL) throw new AppError("not_found", "Password reset by email is not set up here; ask your lab's admin for a reset link.");
  const email = opts.email.toLowerCase();
  const prepared = await getDb().transaction(async (tx) => {
    const [user] = await tx.select({ id: users.id, email: users.email, labId: users.labId, status: users.status, passwordHash: users.passwordHash }).from(users).where(eq(sql`lower(${users.email})`, email)).limit(1);
    const eligible = user && user.status === "active" && user.passwordHash;
    const link = eligible ? await insertLink(tx, { userId: user.id, createdBy: null, ttlMs: EMAIL_LINK_TTL_MS }) : null;
    await recordAudit(tx, { action: "auth.password_reset_request", labId: user?.labId ?? null, actorEmail: email, target: user ? { type: "user", id: user.id } : null, ip: opts.ip, details: { mailed: Boolean(link) } });
    return link && user ? { link, user } : null;
  });
  if (!prepared) return { sent: false };
  const mailer = createMailer({ smtpUrl: env.SMTP_URL, from: env.MAIL_FROM });
  try {
    await mailer.send({
      to: prepared.user.email,
      subject: "Reset your labgate password",
      text: [
        "Someone (we hope you) asked to reset the password of your labgate account.",
        "",
        `Open this link within one hour to choose a new password: ${resetLinkUrl(prepared.link.token, env)}`,
        "",
        "The link works once. Setting a new password signs you out of every browser.",
        "If you did not ask for this, ignore this mail; your password stays as it is.",
      ].join("\n"),
    });
  } catch (e) {
    // The link is useless if it never arrived; a retry asks for a new one.
    await getDb().update(passwordResets).set({ expiresAt: now() }).where(eq(passwordResets.id, prepared.link.id));
    throw new Error(`password reset mail not sent: ${describeMailError(e)}`);
  } finally {
    mailer.close();
  }
  return { sent: true };
}

/** What the reset page shows before the person chooses a password; changes nothing. */
export async function describeResetLink(token: string): Promise<{ email: string } | null> {
  if (token.length < 10 || token.length > 100) return null;
  const [row] = await getDb()
    .select({ email: users.email })
    .from(passwordResets)
    .innerJoin(users, eq(users.id, passwordResets.userId))
    .where(and(eq(passwordResets.tokenHash, tokenHash(token)), isNull(passwordResets.usedAt), gt(passwordResets.expiresAt, now()), eq(users.status, "active")))
    .limit(1);
  return row ?? null;
}

/**
 * Sets a new password through a reset link. The link is looked up before any password is hashed
 * (a wrong token costs a lookup, not argon2 work, and counts against the address); it is used up by
 * one UPDATE ... WHERE used_at IS NULL AND expires_at > now, so of many parallel uses exactly one
 * succeeds. Every session of the person ends, and their other open links stop working.
 */
export async function completeReset(opts: { token: string; password: string; ip: string | null }) {
  const limits = opts.ip ? [{ rule: RULES.passwordResetLinkIp, subject: opts.ip }] : [];
  await enforceRateLimits(limits, { ip: opts.ip, details: { reason: "invalid reset links" } });
  const [found] = await getDb().select({ id: passwordResets.id }).from(passwordResets).where(eq(passwordResets.tokenHash, tokenHash(opts.token))).limit(1);
  if (!found) throw new AppError("gone", INVALID_RESET_LINK);
  // A real link (even a used or expired one) is not guessing.
  await refundRateLimits(limits);
  const passwordHash = await hashPassword(opts.password);
  return getDb().transaction(async (tx) => {
    const [used] = await tx
      .update(passwordResets)
      .set({ usedAt: now() })
      .where(and(eq(passwordResets.id, found.id), isNull(passwordResets.usedAt), gt(passwordResets.expiresAt, now())))
      .returning({ userId: passwordResets.userId, createdBy: passwordResets.createdBy });
    if (!used) throw new AppError("gone", INVALID_RESET_LINK);
    const [user] = await tx.select({ id: users.id, email: users.email, labId: users.labId, status: users.status }).from(users).where(eq(users.id, used.userId)).for("update");
    // Throwing rolls the UPDATE back; the link stays as it was, and is refused all the same.
    if (!user || user.status !== "active") throw new AppError("gone", INVALID_RESET_LINK);
    await tx.update(users).set({ passwordHash }).where(eq(users.id, user.id));
    const ended = await endSessionsForNewPassword(tx, { userId: user.id, reason: "password_reset" });
    await expireOpenLinks(tx, { userId: user.id, except: found.id });
    await recordAudit(tx, { action: "auth.password_reset", labId: user.labId, actor: user, target: { type: "user", id: user.id }, ip: opts.ip, details: { via: used.createdBy ? "admin_link" : "email_link", issuedBy: used.createdBy, endedSessions: ended } });
    return { email: user.email };
  });
}
