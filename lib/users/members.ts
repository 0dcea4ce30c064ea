import { and, asc, eq, sql } from "drizzle-orm";
import { users } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { getDb, type Tx } from "@/lib/db/client";
import { now } from "@/lib/clock";
import { AppError } from "@/lib/http/errors";
import { canAssignRole, canManageUser, type Role } from "@/lib/auth/roles";
import type { CurrentUser } from "@/lib/auth/current-user";
import { endAllSessions } from "@/lib/auth/sessions";

export async function listMembers(opts: { labId: string }) {
  return getDb()
    .select({ id: users.id, email: users.email, name: users.name, role: users.role, status: users.status, lastSignInAt: users.lastSignInAt, createdAt: users.createdAt })
    .from(users)
    .where(eq(users.labId, opts.labId))
    .orderBy(asc(users.status), asc(users.name));
}

// Loads the subject scoped to the actor's lab: a user of another lab is simply not found.
async function loadSubject(tx: Tx, actor: CurrentUser, userId: string) {
  const [subject] = await tx.select().from(users).where(and(eq(users.id, userId), eq(users.labId, actor.labId))).for("update").limit(1);
  if (!subject) throw new AppError("not_found", "No such member in your lab");
  if (!canManageUser(actor.role, subject.role)) throw new AppError("forbidden", `Only an admin can change a ${subject.role}'s account`);
  return subject;
}

async function countActiveAdmins(tx: Tx, labId: string): Promise<number> {
  const r = await tx.execute<{ n: number }>(sql`select count(*)::int as n from users where lab_id = ${labId} and role = 'admin' and status = 'active'`);
  return r.rows[0]!.n;
}

export async function changeRole(opts: { actor: CurrentUser; userId: string; role: Role; ip: string | null }) {
  if (!canAssignRole(opts.actor.role, opts.role)) throw new AppError("forbidden", `Only an admin can make someone ${opts.role === "admin" ? "an admin" : "a steward"}`);
  if (opts.userId === opts.actor.id) throw new AppError("bad_request", "You cannot change your own role; ask another steward or admin");
  return getDb().transaction(async (tx) => {
    const subject = await loadSubject(tx, opts.actor, opts.userId);
    if (subject.role === opts.role) return { changed: false };
    if (subject.role === "admin" && (await countActiveAdmins(tx, subject.labId)) <= 1) throw new AppError("conflict", "The lab must keep at least one active admin");
    await tx.update(users).set({ role: opts.role }).where(eq(users.id, subject.id));
    await recordAudit(tx, { action: "member.role_change", labId: subject.labId, actor: opts.actor, target: { type: "user", id: subject.id }, ip: opts.ip, details: { email: subject.email, from: subject.role, to: opts.role } });
    return { changed: true };
  });
}

export async function setMemberStatus(opts: { actor: CurrentUser; userId: string; status: "active" | "deactivated"; ip: string | null }) {
  return getDb().transaction(async (tx) => {
    const subject = await loadSubject(tx, opts.actor, opts.userId);
    if (subject.id === opts.actor.id) throw new AppError("bad_request", "You cannot deactivate your own account");
    if (subject.status === opts.status) return { changed: false };
    if (opts.status === "deactivated" && subject.role === "admin" && (await countActiveAdmins(tx, subject.labId)) <= 1) {
      throw new AppError("conflict", "The lab must keep at least one active admin");
    }
    await tx
      .update(users)
      .set(
        opts.status === "deactivated"
          ? { status: "deactivated", deactivatedAt: now() }
          : { status: "active", deactivatedAt: null },
      )
      .where(eq(users.id, subject.id));
    // Every open session ends with the account, so reactivation does not revive an old cookie.
    const sessionsEnded = opts.status === "deactivated" ? await endAllSessions(tx, { userId: subject.id, reason: "deactivated" }) : 0;
    await recordAudit(tx, {
      action: opts.status === "deactivated" ? "member.deactivate" : "member.reactivate",
      labId: subject.labId,
      actor: opts.actor,
      target: { type: "user", id: subject.id },
      ip: opts.ip,
      details: opts.status === "deactivated" ? { email: subject.email, sessionsEnded } : { email: subject.email },
    });
    return { changed: true };
  });
}
