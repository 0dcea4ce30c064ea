import "server-only";
import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import { userSessions, users } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { getDb, type DbOrTx } from "@/lib/db/client";
import { now } from "@/lib/clock";
import { AppError } from "@/lib/http/errors";
import type { Role } from "./roles";

/** A session is honoured for this long after its last request (the JWT's maxAge rolls with use). */
export const SESSION_MAX_AGE_S = 12 * 3600;
// A burst of requests (a thumbnail grid) should write last_seen_at once, not once per request.
const TOUCH_EVERY_MS = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type SessionEndReason = "sign_out" | "ended_by_user" | "ended_by_admin" | "deactivated";
export type SessionUser = { id: string; email: string; name: string; role: Role; labId: string; sessionId: string };

export async function startSession(opts: { userId: string; ip: string | null; userAgent: string | null }): Promise<string> {
  const at = now();
  const [row] = await getDb()
    .insert(userSessions)
    .values({ userId: opts.userId, ip: opts.ip, userAgent: opts.userAgent?.slice(0, 400) ?? null, createdAt: at, lastSeenAt: at })
    .returning({ id: userSessions.id });
  return row!.id;
}

/**
 * The user behind an open session, in one round trip: the lookup joins the user (who must still be
 * active) and, at most once a minute, moves last_seen_at forward in the same statement.
 */
export async function findSessionUser(opts: { sessionId: string; userId: string }): Promise<SessionUser | null> {
  if (!UUID.test(opts.sessionId) || !UUID.test(opts.userId)) return null;
  const at = now();
  const touchBefore = new Date(at.getTime() - TOUCH_EVERY_MS);
  const idleSince = new Date(at.getTime() - SESSION_MAX_AGE_S * 1000);
  const r = await getDb().execute<{ id: string; email: string; name: string; role: Role; lab_id: string }>(sql`
    with touched as (
      -- An idle-expired session stays expired: touching it would revive it.
      update user_sessions set last_seen_at = ${at}
      where id = ${opts.sessionId} and ended_at is null and last_seen_at < ${touchBefore} and last_seen_at > ${idleSince}
      returning id
    )
    select u.id, u.email, u.name, u.role, u.lab_id
    from user_sessions s join users u on u.id = s.user_id
    where s.id = ${opts.sessionId} and s.user_id = ${opts.userId} and s.ended_at is null
      and s.last_seen_at > ${idleSince} and u.status = 'active'`);
  const u = r.rows[0];
  return u ? { id: u.id, email: u.email, name: u.name, role: u.role, labId: u.lab_id, sessionId: opts.sessionId } : null;
}

/** Ends every open session of a user; for deactivation, inside its transaction. */
export async function endAllSessions(tx: DbOrTx, opts: { userId: string; reason: SessionEndReason }): Promise<number> {
  const ended = await tx
    .update(userSessions)
    .set({ endedAt: now(), endedReason: opts.reason })
    .where(and(eq(userSessions.userId, opts.userId), isNull(userSessions.endedAt)))
    .returning({ id: userSessions.id });
  return ended.length;
}

/** Sign-out: ends the cookie's own session row and audits it. A session already ended writes nothing. */
export async function signOutSession(opts: { sessionId: string; userId: string; ip: string | null }): Promise<boolean> {
  if (!UUID.test(opts.sessionId) || !UUID.test(opts.userId)) return false;
  return getDb().transaction(async (tx) => {
    const [ended] = await tx
      .update(userSessions)
      .set({ endedAt: now(), endedReason: "sign_out" })
      .where(and(eq(userSessions.id, opts.sessionId), eq(userSessions.userId, opts.userId), isNull(userSessions.endedAt)))
      .returning({ id: userSessions.id });
    if (!ended) return false;
    const [user] = await tx.select({ id: users.id, email: users.email, labId: users.labId }).from(users).where(eq(users.id, opts.userId));
    await recordAudit(tx, { action: "auth.sign_out", labId: user!.labId, actor: user!, ip: opts.ip, details: { sessionId: opts.sessionId } });
    return true;
  });
}

/** The open sessions of one person, newest activity first. */
export async function listOpenSessions(opts: { userId: string }) {
  const idleSince = new Date(now().getTime() - SESSION_MAX_AGE_S * 1000);
  return getDb()
    .select({ id: userSessions.id, createdAt: userSessions.createdAt, lastSeenAt: userSessions.lastSeenAt, ip: userSessions.ip, userAgent: userSessions.userAgent })
    .from(userSessions)
    .where(and(eq(userSessions.userId, opts.userId), isNull(userSessions.endedAt), gt(userSessions.lastSeenAt, idleSince)))
    .orderBy(desc(userSessions.lastSeenAt));
}

/** A person ends one of their own sessions (another browser, a lost laptop). */
export async function endOwnSession(opts: { actor: { id: string; email: string; labId: string }; sessionId: string; ip: string | null }) {
  if (!UUID.test(opts.sessionId)) throw new AppError("not_found", "No such session");
  return getDb().transaction(async (tx) => {
    const [ended] = await tx
      .update(userSessions)
      .set({ endedAt: now(), endedReason: "ended_by_user" })
      .where(and(eq(userSessions.id, opts.sessionId), eq(userSessions.userId, opts.actor.id), isNull(userSessions.endedAt)))
      .returning({ id: userSessions.id });
    if (!ended) throw new AppError("not_found", "No such open session");
    await recordAudit(tx, { action: "auth.session_end", labId: opts.actor.labId, actor: opts.actor, target: { type: "session", id: opts.sessionId }, ip: opts.ip });
    return { ended: 1 };
  });
}

/** An admin ends every session of a member of their lab (a stolen laptop, a departure). */
export async function endSessionsOfMember(opts: { actor: { id: string; email: string; labId: string; role: Role }; userId: string; ip: string | null }) {
  if (opts.actor.role !== "admin") throw new AppError("forbidden", "Only an admin can end another person's sessions");
  if (!UUID.test(opts.userId)) throw new AppError("not_found", "No such member in your lab");
  return getDb().transaction(async (tx) => {
    const [subject] = await tx.select({ id: users.id, email: users.email }).from(users).where(and(eq(users.id, opts.userId), eq(users.labId, opts.actor.labId))).limit(1);
    if (!subject) throw new AppError("not_found", "No such member in your lab");
    const ended = await endAllSessions(tx, { userId: subject.id, reason: "ended_by_admin" });
    await recordAudit(tx, { action: "member.sessions_end", labId: opts.actor.labId, actor: opts.actor, target: { type: "user", id: subject.id }, ip: opts.ip, details: { email: subject.email, ended } });
    return { ended };
  });
}
