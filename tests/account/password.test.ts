import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { auditLog, passwordResets, userSessions } from "@/db/schema";
import { changePassword } from "@/lib/account/password-change";
import { admitResetRequest, completeReset, describeResetLink, issueResetLink, sendResetLink } from "@/lib/account/password-reset";
import { findSessionUser, startSession } from "@/lib/auth/sessions";
import { setClockOffsetForTests } from "@/lib/clock";
import { getDb } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { createUser } from "@/lib/factories";
import { isAppError } from "@/lib/http/errors";
import { setMemberStatus } from "@/lib/users/members";
import { signInWithPassword } from "@/lib/users/sign-in";
import { startSmtpSink, type SmtpSink } from "../notifications/smtp-sink";
import { labWithRoles } from "../support/db";

const APP_URL = "https://labgate.example.edu/lab";
let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink();
});
afterAll(async () => {
  await sink.close();
});
afterEach(() => {
  setClockOffsetForTests(0);
  sink.received.length = 0;
});

const smtpEnv = () => ({ ...getEnv(), SMTP_URL: sink.url, NEXTAUTH_URL: APP_URL });
const NEW_PASSWORD = "a brand new passphrase 42";

/** The error a promise rejects with, as { status, message }; fails the test if it resolves. */
async function refusal(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (isAppError(e)) return { status: e.status, message: e.message };
    throw e;
  }
  throw new Error("expected a refusal");
}

async function actions(labId: string) {
  const rows = await getDb().select({ action: auditLog.action, outcome: auditLog.outcome }).from(auditLog).where(eq(auditLog.labId, labId)).orderBy(auditLog.id);
  return rows.map((r) => `${r.action}:${r.outcome}`);
}

const tokenOf = (url: string) => url.slice(url.lastIndexOf("/") + 1);

describe("change password", () => {
  it("a wrong current password is refused and audited; the new one signs in and every other session ends, this one stays", async () => {
    const { lab, member } = await labWithRoles();
    const here = await startSession({ userId: member.id, ip: "10.0.0.1", userAgent: "here" });
    const other = await startSession({ userId: member.id, ip: "10.0.0.2", userAgent: "other" });
    const wrong = await refusal(changePassword({ actor: member, sessionId: here, currentPassword: "not my password at all", newPassword: NEW_PASSWORD, ip: null }));
    expect(wrong).toEqual({ status: 400, message: "Your current password is not right." });
    expect(await findSessionUser({ userId: member.id, sessionId: other })).not.toBeNull();

    expect(await changePassword({ actor: member, sessionId: here, currentPassword: member.password, newPassword: NEW_PASSWORD, ip: null })).toEqual({ endedSessions: 1 });
    expect(await findSessionUser({ userId: member.id, sessionId: here })).not.toBeNull();
    expect(await findSessionUser({ userId: member.id, sessionId: other })).toBeNull();
    expect(await signInWithPassword({ email: member.email, password: member.password, ip: null })).toBe("wrong_credentials");
    expect(await signInWithPassword({ email: member.email, password: NEW_PASSWORD, ip: null })).toMatchObject({ id: member.id });
    expect(await actions(lab.id)).toContain("auth.password_change:ok");
    expect(await actions(lab.id)).toContain("auth.password_change:denied");
  });

  it("twenty parallel guesses at the current password: five are checked, the rest refused by the limit, then even the right one waits", async () => {
    const { member } = await labWithRoles();
    const sid = await startSession({ userId: member.id, ip: null, userAgent: null });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => refusal(changePassword({ actor: member, sessionId: sid, currentPassword: `guess number ${i}`, newPassword: NEW_PASSWORD, ip: null }))),
    );
    expect(results.filter((r) => r.status === 400)).toHaveLength(5);
    expect(results.filter((r) => r.status === 429)).toHaveLength(15);
    expect((await refusal(changePassword({ actor: member, sessionId: sid, currentPassword: member.password, newPassword: NEW_PASSWORD, ip: null }))).status).toBe(429);
    expect(await signInWithPassword({ email: member.email, password: member.password, ip: null })).toMatchObject({ id: member.id });
  });

  it("an account without a password (institution sign-in only) is told to use its institution", async () => {
    const { lab } = await labWithRoles();
    const u = await createUser(getDb(), { labId: lab.id, password: null });
    const sid = await startSession({ userId: u.id, ip: null, userAgent: null });
    const r = await refusal(changePassword({ actor: { id: u.id, email: u.email, labId: lab.id }, sessionId: sid, currentPassword: "anything at all", newPassword: NEW_PASSWORD, ip: null }));
    expect(r.message).toMatch(/institution/);
  });
});

describe("password reset by email", () => {
  it("the mailed link sets a new password once, ends every session, and stops working", async () => {
    const { lab, member } = await labWithRoles();
    const sid = await startSession({ userId: member.id, ip: null, userAgent: null });
    await admitResetRequest({ email: member.email.toUpperCase(), ip: "10.1.1.1" });
    expect(await sendResetLink({ email: member.email.toUpperCase(), ip: "10.1.1.1", env: smtpEnv() })).toEqual({ sent: true });
    expect(sink.received).toHaveLength(1);
    const mail = sink.received[0]!;
    expect(mail.envelopeTo).toEqual([member.email]);
    const link = /https:\/\/labgate\.example\.edu\/lab\/reset-password\/([A-Za-z0-9_-]{43})/.exec(mail.text);
    expect(link).not.toBeNull();
    const token = link![1]!;
    // Only the hash is stored.
    const rows = await getDb().select().from(passwordResets).where(eq(passwordResets.userId, member.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).not.toContain(token);
    expect(rows[0]!.createdBy).toBeNull();
    expect(rows[0]!.expiresAt.getTime() - rows[0]!.createdAt.getTime()).toBe(3600_000);

    expect(await describeResetLink(token)).toEqual({ email: member.email });
    expect(await completeReset({ token, password: NEW_PASSWORD, ip: null })).toEqual({ email: member.email });
    expect(await findSessionUser({ userId: member.id, sessionId: sid })).toBeNull();
    expect(await signInWithPassword({ email: member.email, password: NEW_PASSWORD, ip: null })).toMatchObject({ id: member.id });
    expect(await describeResetLink(token)).toBeNull();
    expect((await refusal(completeReset({ token, password: "yet another passphrase", ip: null }))).status).toBe(410);
    expect(await actions(lab.id)).toEqual(expect.arrayContaining(["auth.password_reset_request:ok", "auth.password_reset:ok"]));
  });

  it("an unknown email gets the same answer, no mail, and the same limit; a fourth request for any email is refused", async () => {
    const { member } = await labWithRoles();
    const unknown = `nobody-${Date.now()}@example.org`;
    for (const email of [member.email, unknown]) {
      for (let i = 0; i < 3; i++) await expect(admitResetRequest({ email, ip: null })).resolves.toBeUndefined();
      expect((await refusal(admitResetRequest({ email, ip: null }))).status).toBe(429);
    }
    expect(await sendResetLink({ email: unknown, ip: null, env: smtpEnv() })).toEqual({ sent: false });
    expect(sink.received).toHaveLength(0);
    const [row] = await getDb().select({ details: auditLog.details }).from(auditLog).where(and(eq(auditLog.action, "auth.password_reset_request"), eq(auditLog.actorEmail, unknown)));
    expect(row!.details).toEqual({ mailed: false });
  });

  it("a deactivated account gets no mail, and its open link no longer works", async () => {
    const { admin, member } = await labWithRoles();
    const issued = await issueResetLink({ actor: admin, userId: member.id, ip: null });
    await setMemberStatus({ actor: admin, userId: member.id, status: "deactivated", ip: null });
    expect(await sendResetLink({ email: member.email, ip: null, env: smtpEnv() })).toEqual({ sent: false });
    expect(await describeResetLink(tokenOf(issued.url))).toBeNull();
    expect((await refusal(completeReset({ token: tokenOf(issued.url), password: NEW_PASSWORD, ip: null }))).status).toBe(410);
  });

  it("an emailed link is refused after its hour", async () => {
    const { member } = await labWithRoles();
    await sendResetLink({ email: member.email, ip: null, env: smtpEnv() });
    const token = /reset-password\/([A-Za-z0-9_-]+)/.exec(sink.received[0]!.text)![1]!;
    setClockOffsetForTests(3600_000 + 1000);
    expect(await describeResetLink(token)).toBeNull();
    const r = await refusal(completeReset({ token, password: NEW_PASSWORD, ip: null }));
    expect(r.status).toBe(410);
    expect(r.message).toMatch(/not valid/);
  });
});

describe("admin-issued reset link", () => {
  it("twenty parallel uses of one link: exactly one sets the password", async () => {
    const { admin, member } = await labWithRoles();
    const { url } = await issueResetLink({ actor: admin, userId: member.id, ip: null });
    const token = tokenOf(url);
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => completeReset({ token, password: `parallel passphrase ${i}`, ip: null })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(rejected.every((r) => isAppError(r.reason) && r.reason.status === 410)).toBe(true);
    const winner = results.findIndex((r) => r.status === "fulfilled");
    expect(await signInWithPassword({ email: member.email, password: `parallel passphrase ${winner}`, ip: null })).toMatchObject({ id: member.id });
  });

  it("works for a member of the admin's lab for 24 hours; a newer link replaces it; refused for self, another lab, a steward", async () => {
    const { admin, steward, member } = await labWithRoles();
    const other = await labWithRoles();
    const first = await issueResetLink({ actor: admin, userId: member.id, ip: null });
    const second = await issueResetLink({ actor: admin, userId: member.id, ip: null });
    expect(await describeResetLink(tokenOf(first.url))).toBeNull();
    expect(second.expiresAt.getTime() - Date.now()).toBeGreaterThan(23.9 * 3600_000);
    setClockOffsetForTests(23 * 3600_000);
    expect(await describeResetLink(tokenOf(second.url))).toEqual({ email: member.email });
    setClockOffsetForTests(24 * 3600_000 + 1000);
    expect(await describeResetLink(tokenOf(second.url))).toBeNull();
    setClockOffsetForTests(0);

    expect((await refusal(issueResetLink({ actor: admin, userId: admin.id, ip: null }))).status).toBe(403);
    expect((await refusal(issueResetLink({ actor: admin, userId: other.member.id, ip: null }))).status).toBe(404);
    expect((await refusal(issueResetLink({ actor: steward, userId: admin.id, ip: null }))).status).toBe(403);
    expect((await refusal(issueResetLink({ actor: steward, userId: member.id, ip: null }))).status).toBe(403);
    expect((await refusal(issueResetLink({ actor: other.admin, userId: member.id, ip: null }))).status).toBe(404);
    // An admin may reset a steward or another admin of their own lab.
    const forSteward = await issueResetLink({ actor: admin, userId: steward.id, ip: null });
    expect(await completeReset({ token: tokenOf(forSteward.url), password: NEW_PASSWORD, ip: null })).toEqual({ email: steward.email });
  });

  it("completing a reset ends every session and expires the person's other open links", async () => {
    const { admin, member } = await labWithRoles();
    const a = await startSession({ userId: member.id, ip: null, userAgent: null });
    const b = await startSession({ userId: member.id, ip: null, userAgent: null });
    await sendResetLink({ email: member.email, ip: null, env: smtpEnv() });
    const mailed = /reset-password\/([A-Za-z0-9_-]+)/.exec(sink.received[0]!.text)![1]!;
    const issued = await issueResetLink({ actor: admin, userId: member.id, ip: null });
    // issuing expired the mailed one; use the issued one
    expect(await describeResetLink(mailed)).toBeNull();
    await completeReset({ token: tokenOf(issued.url), password: NEW_PASSWORD, ip: null });
    const open = await getDb().select().from(userSessions).where(eq(userSessions.userId, member.id));
    expect(open.map((s) => s.endedReason)).toEqual(["password_reset", "password_reset"]);
    expect([a, b].sort()).toEqual(open.map((s) => s.id).sort());
  });

  it("unknown tokens count against the address; real links, even used ones, do not", async () => {
    const ip = "10.9.9.9";
    for (let i = 0; i < 20; i++) expect((await refusal(completeReset({ token: `not-a-real-token-${i}`, password: NEW_PASSWORD, ip }))).status).toBe(410);
    expect((await refusal(completeReset({ token: "not-a-real-token-x", password: NEW_PASSWORD, ip }))).status).toBe(429);
  });
});
