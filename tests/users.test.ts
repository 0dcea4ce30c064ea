import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, users } from "@/db/schema";
import { getDb } from "@/lib/db/client";
import { setClockOffsetForTests } from "@/lib/clock";
import { acceptInvite, createInvite, describeInvite, revokeInvite } from "@/lib/users/invites";
import { changeRole, setMemberStatus } from "@/lib/users/members";
import { signInWithPassword } from "@/lib/users/sign-in";
import { findSessionUser, startSession } from "@/lib/auth/sessions";
import { emailSchema } from "@/lib/validation";
import { labWithRoles } from "./support/db";

async function auditActions(labId: string) {
  const rows = await getDb().select({ action: auditLog.action, outcome: auditLog.outcome }).from(auditLog).where(eq(auditLog.labId, labId)).orderBy(auditLog.id);
  return rows.map((r) => `${r.action}:${r.outcome}`);
}

describe("invites", () => {
  it("a steward invites, the person accepts once and can sign in; everything is audited", async () => {
    const { lab, steward } = await labWithRoles();
    const email = `new-${Date.now()}@example.org`;
    const invite = await createInvite({ actor: steward, email, role: "member", ip: "127.0.0.1" });
    expect(await describeInvite(invite.token)).toMatchObject({ email, state: "pending", role: "member" });
    await acceptInvite({ token: invite.token, name: "New Person", password: "a-long-enough-password", ip: null });
    await expect(acceptInvite({ token: invite.token, name: "Again", password: "a-long-enough-password", ip: null })).rejects.toThrow(/already been used/);
    const signedIn = await signInWithPassword({ email: email.toUpperCase(), password: "a-long-enough-password", ip: null });
    expect(signedIn).toMatchObject({ email });
    expect(await auditActions(lab.id)).toEqual(["invite.create:ok", "invite.accept:ok", "auth.sign_in:ok"]);
  });

  it("an expired invite is refused and creates no account", async () => {
    const { steward } = await labWithRoles();
    const email = `late-${Date.now()}@example.org`;
    const invite = await createInvite({ actor: steward, email, role: "member", ip: null });
    setClockOffsetForTests(73 * 3600_000);
    try {
      await expect(acceptInvite({ token: invite.token, name: "Late", password: "a-long-enough-password", ip: null })).rejects.toThrow(/expired/);
    } finally {
      setClockOffsetForTests(0);
    }
    const found = await getDb().select().from(users).where(eq(users.email, email));
    expect(found).toHaveLength(0);
  });

  it("a withdrawn invite and an unknown token are refused", async () => {
    const { steward } = await labWithRoles();
    const invite = await createInvite({ actor: steward, email: `w-${Date.now()}@example.org`, role: "member", ip: null });
    await revokeInvite({ actor: steward, inviteId: invite.id, ip: null });
    await expect(acceptInvite({ token: invite.token, name: "X", password: "a-long-enough-password", ip: null })).rejects.toThrow(/withdrawn/);
    await expect(acceptInvite({ token: "nonexistent-token-value", name: "X", password: "a-long-enough-password", ip: null })).rejects.toThrow(/not valid/);
  });

  it("a steward cannot invite an admin, nor invite an existing account", async () => {
    const { steward, member } = await labWithRoles();
    await expect(createInvite({ actor: steward, email: "x@example.org", role: "admin", ip: null })).rejects.toThrow(/Only an admin/);
    await expect(createInvite({ actor: steward, email: member.email, role: "member", ip: null })).rejects.toThrow(/already has/);
  });

  it("rejects malformed emails with a clear message", () => {
    for (const bad of ["", "no-at-sign", "a@", "@b.org", "a b@c.org", "x".repeat(250) + "@e.org"]) {
      const r = emailSchema.safeParse(bad);
      expect(r.success, bad).toBe(false);
      expect(r.error!.issues[0]!.message).toMatch(/email/i);
    }
    expect(emailSchema.parse("  Ana@Uni.EDU ")).toBe("ana@uni.edu");
  });
});

describe("members", () => {
  it("deactivation ends the session at once and is audited", async () => {
    const { lab, steward, member } = await labWithRoles();
    const sessionId = await startSession({ userId: member.id, ip: null, userAgent: null });
    expect(await findSessionUser({ userId: member.id, sessionId })).not.toBeNull();
    await setMemberStatus({ actor: steward, userId: member.id, status: "deactivated", ip: null });
    expect(await findSessionUser({ userId: member.id, sessionId })).toBeNull();
    // Reactivation does not revive the old cookie: its session row was ended with the account.
    await setMemberStatus({ actor: steward, userId: member.id, status: "active", ip: null });
    expect(await findSessionUser({ userId: member.id, sessionId })).toBeNull();
    expect(await signInWithPassword({ email: member.email, password: member.password, ip: null })).toMatchObject({ id: member.id });
    expect(await auditActions(lab.id)).toEqual(["member.deactivate:ok", "member.reactivate:ok", "auth.sign_in:ok"]);
  });

  it("a deactivated user cannot sign in; wrong passwords are refused; both are audited as denied", async () => {
    const { lab, steward, member } = await labWithRoles();
    expect(await signInWithPassword({ email: member.email, password: "wrong-password-here", ip: null })).toBe("wrong_credentials");
    expect(await signInWithPassword({ email: "nobody@example.org", password: "wrong-password-here", ip: null })).toBe("wrong_credentials");
    await setMemberStatus({ actor: steward, userId: member.id, status: "deactivated", ip: null });
    expect(await signInWithPassword({ email: member.email, password: member.password, ip: null })).toBe("deactivated");
    expect(await auditActions(lab.id)).toEqual(["auth.sign_in:denied", "member.deactivate:ok", "auth.sign_in:denied"]);
  });

  it("role rules: stewards cannot touch admins, stewards or themselves; the last admin stays", async () => {
    const { lab, admin, steward, member } = await labWithRoles();
    await expect(changeRole({ actor: steward, userId: admin.id, role: "member", ip: null })).rejects.toThrow(/admin/);
    await expect(changeRole({ actor: steward, userId: member.id, role: "admin", ip: null })).rejects.toThrow(/admin/);
    await expect(changeRole({ actor: steward, userId: steward.id, role: "member", ip: null })).rejects.toThrow(/own role/);
    await expect(setMemberStatus({ actor: steward, userId: admin.id, status: "deactivated", ip: null })).rejects.toThrow(/admin/);
    await expect(changeRole({ actor: admin, userId: admin.id, role: "member", ip: null })).rejects.toThrow(/own role/);
    await expect(changeRole({ actor: steward, userId: "00000000-0000-0000-0000-000000000000", role: "member", ip: null })).rejects.toThrow(/No such member/);
    // Four-eyes: only an admin makes a steward (a steward making a second steward was the attack).
    await expect(changeRole({ actor: steward, userId: member.id, role: "steward", ip: null })).rejects.toMatchObject({ status: 403, message: "Only an admin can make someone a steward" });
    expect(await changeRole({ actor: admin, userId: member.id, role: "steward", ip: null })).toEqual({ changed: true });
    const [row] = await getDb().select({ role: users.role }).from(users).where(and(eq(users.id, member.id)));
    expect(row!.role).toBe("steward");
    const n = await getDb().execute(sql`select count(*)::int as n from audit_log where lab_id = ${lab.id} and action = 'member.role_change'`);
    expect(n.rows[0]).toEqual({ n: 1 });
  });

  it("a steward of one lab cannot manage a member of another lab", async () => {
    const a = await labWithRoles();
    const b = await labWithRoles();
    await expect(setMemberStatus({ actor: a.steward, userId: b.member.id, status: "deactivated", ip: null })).rejects.toThrow(/No such member/);
  });
});
