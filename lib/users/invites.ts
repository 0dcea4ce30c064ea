import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { invites, users } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { getDb, type Tx } from "@/lib/db/client";
import { now } from "@/lib/clock";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/http/errors";
import { hashPassword } from "@/lib/auth/password";
import { canAssignRole, type Role } from "@/lib/auth/roles";
import type { CurrentUser } from "@/lib/auth/current-user";
import { enforceRateLimits, refundRateLimits } from "@/lib/limits/enforce";
import { RULES } from "@/lib/limits/rules";

function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export type InviteState = "pending" | "accepted" | "revoked" | "expired";

function stateOf(row: { acceptedAt: Date | null; revokedAt: Date | null; expiresAt: Date }): InviteState {
  if (row.acceptedAt) return "accepted";
  if (row.revokedAt) return "revoked";
  return row.expiresAt <= now() ? "expired" : "pending";
}

/** Creates an invite and returns its one-time link token; only its hash is stored. */
export async function createInvite(opts: { actor: CurrentUser; email: string; role: Role; ip: string | null }) {
  if (!canAssignRole(opts.actor.role, opts.role)) throw new AppError("forbidden", `Only an admin can invite a ${opts.role}; a steward invites members`);
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(now().getTime() + getEnv().INVITE_TTL_HOURS * 3600_000);
  return getDb().transaction(async (tx) => {
    const [existing] = await tx.select({ id: users.id }).from(users).where(eq(sql`lower(${users.email})`, opts.email)).limit(1);
    if (existing) throw new AppError("conflict", `${opts.email} already has a labgate account`);
    // A new invite replaces any pending one for the same address, so only the newest link works.
    await tx
      .update(invites)
      .set({ revokedAt: now() })
      .where(and(eq(invites.labId, opts.actor.labId), eq(invites.email, opts.email), isNull(invites.acceptedAt), isNull(invites.revokedAt)));
    const [invite] = await tx
      .insert(invites)
      .values({ labId: opts.actor.labId, email: opts.email, role: opts.role, tokenHash: tokenHash(token), invitedBy: opts.actor.id, expiresAt })
      .returning({ id: invites.id });
    await recordAudit(tx, { action: "invite.create", labId: opts.actor.labId, actor: opts.actor, target: { type: "invite", id: invite!.id }, ip: opts.ip, details: { email: opts.email, role: opts.role, expiresAt: expiresAt.toISOString() } });
    return { id: invite!.id, token, expiresAt };
  });
}

export async function listInvites(opts: { labId: string }) {
  const rows = await getDb()
    .select({ id: invites.id, email: invites.email, role: invites.role, expiresAt: invites.expiresAt, acceptedAt: invites.acceptedAt, revokedAt: invites.revokedAt, createdAt: invites.createdAt })
    .from(invites)
    .where(eq(invites.labId, opts.labId))
    .orderBy(desc(invites.createdAt))
    .limit(200);
  return rows.map((r) => ({ ...r, state: stateOf(r) }));
}

export async function revokeInvite(opts: { actor: CurrentUser; inviteId: string; ip: string | null }) {
  return getDb().transaction(async (tx) => {
    const [row] = await tx.select().from(invites).where(and(eq(invites.id, opts.inviteId), eq(invites.labId, opts.actor.labId))).for("update");
    if (!row) throw new AppError("not_found", "No such invite in your lab");
    if (stateOf(row) !== "pending") throw new AppError("conflict", `This invite is already ${stateOf(row)}`);
    await tx.update(invites).set({ revokedAt: now() }).where(eq(invites.id, row.id));
    await recordAudit(tx, { action: "invite.revoke", labId: row.labId, actor: opts.actor, target: { type: "invite", id: row.id }, ip: opts.ip, details: { email: row.email } });
  });
}

/** What the invite page shows before the person accepts. */
export async function describeInvite(token: string) {
  const [row] = await getDb().select().from(invites).where(eq(invites.tokenHash, tokenHash(token))).limit(1);
  if (!row) return null;
  return { email: row.email, role: row.role, expiresAt: row.expiresAt, state: stateOf(row) };
}

/**
 * An invite grants its role only if its inviter may still grant it: a steward or admin invite made
 * by a steward before the four-eyes rule (or by someone since demoted or deactivated) is refused.
 */
async function checkInviterMayGrant(tx: Tx, row: { role: Role; invitedBy: string }) {
  if (row.role === "member") return;
  const [inviter] = await tx.select({ role: users.role, status: users.status }).from(users).where(eq(users.id, row.invitedBy)).limit(1);
  if (!inviter || inviter.status !== "active" || !canAssignRole(inviter.role, row.role)) {
    throw new AppError("gone", `This ${row.role} invite was not made by an active admin, so it cannot be used. Ask an admin for a new one.`);
  }
}

const REFUSAL: Record<Exclude<InviteState, "pending">, string> = {
  accepted: "This invite has already been used. Sign in instead, or ask your steward for a new invite.",
  revoked: "This invite was withdrawn. Ask your steward for a new one.",
  expired: "This invite has expired. Ask your steward for a new one.",
};

const INVALID_LINK = "This invite link is not valid. Check that you copied the whole link.";

/**
 * Creates the account an invite names. The link is looked up before the password is hashed, so a
 * wrong token costs a lookup, not argon2 work; unknown tokens count against the address's limit.
 */
export async function acceptInvite(opts: { token: string; name: string; password: string; ip: string | null }) {
  const limits = opts.ip ? [{ rule: RULES.inviteIp, subject: opts.ip }] : [];
  await enforceRateLimits(limits, { ip: opts.ip, details: { reason: "invalid invite links" } });
  const [found] = await getDb().select().from(invites).where(eq(invites.tokenHash, tokenHash(opts.token))).limit(1);
  if (!found) throw new AppError("not_found", INVALID_LINK);
  // A real link (even a used or expired one) is not guessing.
  await refundRateLimits(limits);
  const seen = stateOf(found);
  if (seen !== "pending") throw new AppError("gone", REFUSAL[seen]);
  const passwordHash = await hashPassword(opts.password);
  return getDb().transaction(async (tx) => {
    const [row] = await tx.select().from(invites).where(eq(invites.id, found.id)).for("update");
    if (!row) throw new AppError("not_found", INVALID_LINK);
    const state = stateOf(row);
    if (state !== "pending") throw new AppError("gone", REFUSAL[state]);
    await checkInviterMayGrant(tx, row);
    const [clash] = await tx.select({ id: users.id }).from(users).where(eq(sql`lower(${users.email})`, row.email)).limit(1);
    if (clash) throw new AppError("conflict", `${row.email} already has a labgate account. Sign in instead.`);
    const [user] = await tx.insert(users).values({ labId: row.labId, email: row.email, name: opts.name, role: row.role, passwordHash }).returning({ id: users.id, email: users.email });
    await tx.update(invites).set({ acceptedAt: now(), acceptedUserId: user!.id }).where(eq(invites.id, row.id));
    await recordAudit(tx, { action: "invite.accept", labId: row.labId, actor: user!, target: { type: "invite", id: row.id }, ip: opts.ip, details: { email: row.email, role: row.role } });
    return { userId: user!.id, email: row.email };
  });
}
