import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, userIdentities, userSessions } from "@/db/schema";
import { safeCallbackUrl } from "@/lib/auth/callback-url";
import { endOwnSession, endSessionsOfMember, findSessionUser, listOpenSessions, signOutSession, startSession } from "@/lib/auth/sessions";
import { getDb } from "@/lib/db/client";
import { setClockOffsetForTests } from "@/lib/clock";
import { createUser } from "@/lib/factories";
import { setMemberStatus } from "@/lib/users/members";
import { signInWithOidc } from "@/lib/users/sign-in";
import { labWithRoles } from "./support/db";

async function audits(labId: string) {
  const rows = await getDb().select({ action: auditLog.action, outcome: auditLog.outcome, details: auditLog.details }).from(auditLog).where(eq(auditLog.labId, labId)).orderBy(auditLog.id);
  return rows;
}

describe("server-side sessions", () => {
  it("a session reads the user until sign-out; sign-out ends only that session and is audited once", async () => {
    const { lab, member } = await labWithRoles();
    const a = await startSession({ userId: member.id, ip: "10.0.0.1", userAgent: "Firefox" });
    const b = await startSession({ userId: member.id, ip: "10.0.0.2", userAgent: "Chromium" });
    expect(await findSessionUser({ userId: member.id, sessionId: a })).toMatchObject({ id: member.id, role: "member", labId: lab.id, sessionId: a });
    expect(await signOutSession({ sessionId: a, userId: member.id, ip: "10.0.0.1" })).toBe(true);
    // A second sign-out with the same (copied) cookie changes nothing and writes nothing.
    expect(await signOutSession({ sessionId: a, userId: member.id, ip: "10.0.0.1" })).toBe(false);
    expect(await findSessionUser({ userId: member.id, sessionId: a })).toBeNull();
    expect(await findSessionUser({ userId: member.id, sessionId: b })).not.toBeNull();
    const rows = await audits(lab.id);
    expect(rows.map((r) => `${r.action}:${r.outcome}`)).toEqual(["auth.sign_out:ok"]);
    expect(rows[0]!.details).toEqual({ sessionId: a });
    const [row] = await getDb().select().from(userSessions).where(eq(userSessions.id, a));
    expect(row).toMatchObject({ endedReason: "sign_out", ip: "10.0.0.1", userAgent: "Firefox" });
  });

  it("a session id is honoured only for its own user, and malformed ids are refused without a query error", async () => {
    const { member, steward } = await labWithRoles();
    const sid = await startSession({ userId: member.id, ip: null, userAgent: null });
    expect(await findSessionUser({ userId: steward.id, sessionId: sid })).toBeNull();
    expect(await findSessionUser({ userId: member.id, sessionId: "not-a-uuid" })).toBeNull();
    expect(await findSessionUser({ userId: "x' or 1=1 --", sessionId: sid })).toBeNull();
    expect(await signOutSession({ sessionId: sid, userId: steward.id, ip: null })).toBe(false);
    expect(await findSessionUser({ userId: member.id, sessionId: sid })).not.toBeNull();
  });

  it("sixty concurrent requests on one session all read it and move last_seen_at once; then at most once a minute", async () => {
    const { member } = await labWithRoles();
    const sid = await startSession({ userId: member.id, ip: null, userAgent: null });
    const lastSeen = async () => (await getDb().select({ t: userSessions.lastSeenAt }).from(userSessions).where(eq(userSessions.id, sid)))[0]!.t.getTime();
    const started = await lastSeen();
    try {
      setClockOffsetForTests(61_000);
      const results = await Promise.all(Array.from({ length: 60 }, () => findSessionUser({ userId: member.id, sessionId: sid })));
      expect(results.every((r) => r?.id === member.id)).toBe(true);
      const touched = await lastSeen();
      expect(touched).toBeGreaterThanOrEqual(started + 61_000);
      setClockOffsetForTests(61_000 + 30_000);
      await findSessionUser({ userId: member.id, sessionId: sid });
      expect(await lastSeen()).toBe(touched);
      setClockOffsetForTests(61_000 + 61_000);
      await findSessionUser({ userId: member.id, sessionId: sid });
      expect(await lastSeen()).toBeGreaterThan(touched);
    } finally {
      setClockOffsetForTests(0);
    }
  });

  it("a session idle for longer than twelve hours is no longer honoured", async () => {
    const { member } = await labWithRoles();
    const sid = await startSession({ userId: member.id, ip: null, userAgent: null });
    try {
      setClockOffsetForTests(12 * 3600_000 + 1000);
      expect(await findSessionUser({ userId: member.id, sessionId: sid })).toBeNull();
      expect(await listOpenSessions({ userId: member.id })).toEqual([]);
    } finally {
      setClockOffsetForTests(0);
    }
  });

  it("deactivation ends every session of the user at once, even with requests in flight", async () => {
    const { lab, steward, member } = await labWithRoles();
    const sids = await Promise.all(Array.from({ length: 5 }, () => startSession({ userId: member.id, ip: null, userAgent: null })));
    const reads = Promise.all(Array.from({ length: 40 }, (_, i) => findSessionUser({ userId: member.id, sessionId: sids[i % 5]! })));
    await setMemberStatus({ actor: steward, userId: member.id, status: "deactivated", ip: null });
    await reads;
    for (const sessionId of sids) expect(await findSessionUser({ userId: member.id, sessionId })).toBeNull();
    const open = await getDb().select().from(userSessions).where(eq(userSessions.userId, member.id));
    expect(open.map((s) => s.endedReason)).toEqual(Array(5).fill("deactivated"));
    expect((await audits(lab.id)).at(-1)).toMatchObject({ action: "member.deactivate", details: { email: member.email, sessionsEnded: 5 } });
  });

  it("a person lists and ends their own sessions, never someone else's", async () => {
    const { lab, member, steward } = await labWithRoles();
    const mine = await startSession({ userId: member.id, ip: "10.1.1.1", userAgent: "UA-1" });
    const theirs = await startSession({ userId: steward.id, ip: null, userAgent: null });
    expect((await listOpenSessions({ userId: member.id })).map((s) => s.id)).toEqual([mine]);
    await expect(endOwnSession({ actor: member, sessionId: theirs, ip: null })).rejects.toThrow(/No such open session/);
    expect(await findSessionUser({ userId: steward.id, sessionId: theirs })).not.toBeNull();
    await endOwnSession({ actor: member, sessionId: mine, ip: null });
    expect(await findSessionUser({ userId: member.id, sessionId: mine })).toBeNull();
    expect((await audits(lab.id)).map((r) => r.action)).toEqual(["auth.session_end"]);
  });

  it("an admin ends all sessions of a member of their lab; a steward and another lab's admin cannot", async () => {
    const { lab, admin, steward, member } = await labWithRoles();
    const other = await labWithRoles();
    const sids = await Promise.all([1, 2, 3].map(() => startSession({ userId: member.id, ip: null, userAgent: null })));
    await expect(endSessionsOfMember({ actor: steward, userId: member.id, ip: null })).rejects.toThrow(/Only an admin/);
    await expect(endSessionsOfMember({ actor: other.admin, userId: member.id, ip: null })).rejects.toThrow(/No such member/);
    expect(await findSessionUser({ userId: member.id, sessionId: sids[0]! })).not.toBeNull();
    expect(await endSessionsOfMember({ actor: admin, userId: member.id, ip: null })).toEqual({ ended: 3 });
    for (const sessionId of sids) expect(await findSessionUser({ userId: member.id, sessionId })).toBeNull();
    expect((await audits(lab.id)).map((r) => `${r.action}:${JSON.stringify(r.details)}`)).toEqual([`member.sessions_end:${JSON.stringify({ email: member.email, ended: 3 })}`]);
  });
});

describe("OpenID Connect identities", () => {
  const issuer = "https://idp.example.edu";

  it("requires email_verified to be true to link, links issuer+subject once, then matches on them only", async () => {
    const { lab, member } = await labWithRoles();
    expect(await signInWithOidc({ email: member.email, emailVerified: false, subject: "s-1", issuer, ip: null })).toBe("email_unverified");
    const linked = await signInWithOidc({ email: member.email.toUpperCase(), emailVerified: true, subject: "s-1", issuer, ip: null });
    expect(linked).toMatchObject({ id: member.id });
    // Linked: the subject alone finds the account, whatever the email claim says now.
    expect(await signInWithOidc({ email: "renamed@example.edu", emailVerified: false, subject: "s-1", issuer, ip: null })).toMatchObject({ id: member.id });
    // The same email from another subject of this provider is another person.
    expect(await signInWithOidc({ email: member.email, emailVerified: true, subject: "s-2", issuer, ip: null })).toBe("identity_mismatch");
    const rows = await audits(lab.id);
    expect(rows.map((r) => `${r.action}:${r.outcome}:${(r.details as { reason?: string }).reason ?? ""}`)).toEqual([
      "auth.sign_in:denied:email_unverified",
      "auth.sign_in:ok:",
      "auth.sign_in:ok:",
      "auth.sign_in:denied:identity_mismatch",
    ]);
    expect(rows[1]!.details).toMatchObject({ linked: true, subject: "s-1", issuer });
  });

  it("twelve concurrent first sign-ins with different subjects for one email link exactly one", async () => {
    const { member } = await labWithRoles();
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => signInWithOidc({ email: member.email, emailVerified: true, subject: `c-${i}`, issuer, ip: null })));
    expect(results.filter((r) => typeof r === "object")).toHaveLength(1);
    expect(results.filter((r) => r === "identity_mismatch")).toHaveLength(11);
    const ids = await getDb().select().from(userIdentities).where(and(eq(userIdentities.userId, member.id), eq(userIdentities.issuer, issuer)));
    expect(ids).toHaveLength(1);
  });

  it("twelve concurrent first sign-ins of the same subject all succeed and link once", async () => {
    const { member } = await labWithRoles();
    const results = await Promise.all(Array.from({ length: 12 }, () => signInWithOidc({ email: member.email, emailVerified: true, subject: "same", issuer, ip: null })));
    expect(results.every((r) => typeof r === "object" && r.id === member.id)).toBe(true);
    expect(await getDb().select().from(userIdentities).where(eq(userIdentities.userId, member.id))).toHaveLength(1);
  });

  it("no account, a deactivated linked account and a missing subject are refused", async () => {
    const { lab, steward, member } = await labWithRoles();
    expect(await signInWithOidc({ email: `nobody-${Date.now()}@example.org`, emailVerified: true, subject: "n-1", issuer, ip: null })).toBe("no_account");
    expect(await signInWithOidc({ email: member.email, emailVerified: true, subject: "", issuer, ip: null })).toBe("no_account");
    expect(await signInWithOidc({ email: member.email, emailVerified: true, subject: "d-1", issuer, ip: null })).toMatchObject({ id: member.id });
    await setMemberStatus({ actor: steward, userId: member.id, status: "deactivated", ip: null });
    expect(await signInWithOidc({ email: member.email, emailVerified: true, subject: "d-1", issuer, ip: null })).toBe("deactivated");
    const unlinked = await createUser(getDb(), { labId: lab.id, status: "deactivated" });
    expect(await signInWithOidc({ email: unlinked.email, emailVerified: true, subject: "d-2", issuer, ip: null })).toBe("deactivated");
    expect(await getDb().select().from(userIdentities).where(eq(userIdentities.userId, unlinked.id))).toHaveLength(0);
  });
});

describe("callbackUrl after sign-in", () => {
  const app = "http://localhost:3120";
  it("keeps same-origin paths, query and hash", () => {
    expect(safeCallbackUrl("/datasets/mimic-cxr-jpg/2.1.0?q=effusion#top", app)).toBe(`${app}/datasets/mimic-cxr-jpg/2.1.0?q=effusion#top`);
    expect(safeCallbackUrl(`${app}/members`, app)).toBe(`${app}/members`);
  });
  it("sends every off-site or odd payload home", () => {
    const payloads = ["//evil.test", "/\\evil.test", "\\\\evil.test", "https://evil.test", "javascript:alert(1)", "\t//evil.test", "/\t/evil.test", " //evil.test", "http://localhost:3121/", "https://localhost:3120/", "http://user:pw@localhost:3120/", "data:text/html,x", "", undefined, ["/a"], "x".repeat(3000)];
    for (const p of payloads) expect(safeCallbackUrl(p, app), String(p)).toBe(`${app}/`);
  });
  it("keeps percent-escaped payloads on the origin, where a browser cannot read them as another host", () => {
    for (const p of ["/%5Cevil.test", "/%09/evil.test", "/%2F%2Fevil.test", "/.//evil.test"]) {
      const out = new URL(safeCallbackUrl(p, app));
      expect(out.origin, p).toBe(app);
      // Navigating to the absolute result (what the login form does) stays here too.
      expect(new URL(out.href, "http://elsewhere.test").origin).toBe(app);
    }
  });
});
