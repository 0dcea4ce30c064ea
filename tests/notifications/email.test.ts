import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { notifications, users } from "@/db/schema";
import { now, setClockOffsetForTests } from "@/lib/clock";
import { getDb } from "@/lib/db/client";
import { createMailer, mailerFromEnv } from "@/lib/notifications/mailer";
import { notify } from "@/lib/notifications/notify";
import { FIRST_RETRY_MINUTES, sendPendingEmails } from "@/lib/notifications/send-pending";
import { getEnv } from "@/lib/env";
import { isolatedDatabaseForFile } from "../support/isolated-database";
import { labWithRoles } from "../support/db";
import { startSmtpSink, type SmtpSink } from "./smtp-sink";

// The sender acts on every pending notification in the database, so this file has its own.
isolatedDatabaseForFile();

const APP_URL = "https://labgate.example.edu/lab";
let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink({ user: "relay-account-7f3" });
});
afterAll(async () => {
  await sink.close();
});
afterEach(() => {
  setClockOffsetForTests(0);
  sink.received.length = 0;
});

const mailer = (url = sink.url) => createMailer({ smtpUrl: url, from: "labgate <labgate@lab.example.edu>" });
const row = async (id: string) => (await getDb().select().from(notifications).where(eq(notifications.userId, id)))[0]!;

describe("notification email", () => {
  it("notify → send-pending → the SMTP server receives it once, with an absolute link", async () => {
    const { lab, member } = await labWithRoles();
    await notify(getDb(), { labId: lab.id, userId: member.id, kind: "training_expiring", title: "Your CITI training expires in 20 days", body: "Upload a new Completion Report.", link: "/credentialing" });
    const m = mailer();
    try {
      expect(await sendPendingEmails(getDb(), { now: now(), mailer: m, appUrl: APP_URL })).toEqual({ sent: 1, failed: 0 });
      // Mailed once: a second run finds nothing to send.
      expect(await sendPendingEmails(getDb(), { now: now(), mailer: m, appUrl: APP_URL })).toEqual({ sent: 0, failed: 0 });
    } finally {
      m.close();
    }
    expect(sink.received).toHaveLength(1);
    const mail = sink.received[0]!;
    expect(mail.envelopeTo).toEqual([member.email]);
    expect(mail.to).toContain(member.email);
    expect(mail.subject).toBe("[labgate] Your CITI training expires in 20 days");
    expect(mail.text).toContain("Upload a new Completion Report.");
    expect(mail.text).toContain(`Open in labgate: ${APP_URL}/credentialing`);
    const stored = await row(member.id);
    expect(stored.emailedAt).not.toBeNull();
    expect(stored.emailError).toBeNull();
  });

  it("a refused login is recorded without the password and retried after the backoff", async () => {
    const { lab, member } = await labWithRoles();
    await notify(getDb(), { labId: lab.id, userId: member.id, kind: "access_granted", title: "Access approved: mimic-cxr 2.0.0", body: "You can open it now.", link: "/datasets" });
    const wrongSecret = "not-the-password-Zq81";
    const bad = mailer(`smtp://${sink.user}:${wrongSecret}@127.0.0.1:${sink.port}`);
    try {
      expect(await sendPendingEmails(getDb(), { now: now(), mailer: bad, appUrl: APP_URL })).toEqual({ sent: 0, failed: 1 });
    } finally {
      bad.close();
    }
    const failed = await row(member.id);
    expect(failed.emailedAt).toBeNull();
    expect(failed.emailError).toMatch(/^attempt 1 at \S+: the mail server refused labgate's SMTP credentials \(SMTP 535\)$/);
    expect(failed.emailError).not.toContain(wrongSecret);
    expect(failed.emailError).not.toContain(sink.user);

    const good = mailer();
    try {
      // Not yet: the first retry waits FIRST_RETRY_MINUTES.
      expect(await sendPendingEmails(getDb(), { now: now(), mailer: good, appUrl: APP_URL })).toEqual({ sent: 0, failed: 0 });
      setClockOffsetForTests((FIRST_RETRY_MINUTES + 1) * 60_000);
      expect(await sendPendingEmails(getDb(), { now: now(), mailer: good, appUrl: APP_URL })).toEqual({ sent: 1, failed: 0 });
    } finally {
      good.close();
    }
    expect(sink.received.map((m) => m.envelopeTo[0])).toEqual([member.email]);
    const sent = await row(member.id);
    expect(sent.emailedAt).not.toBeNull();
    expect(sent.emailError).toBeNull();
  });

  it("two senders at once mail each notification exactly once", async () => {
    const { lab, member } = await labWithRoles();
    for (let i = 0; i < 12; i++) await notify(getDb(), { labId: lab.id, userId: member.id, kind: "review_requested", title: `Item ${i}`, body: `Body ${i}` });
    const [a, b] = [mailer(), mailer()];
    try {
      const results = await Promise.all([sendPendingEmails(getDb(), { now: now(), mailer: a, appUrl: APP_URL }), sendPendingEmails(getDb(), { now: now(), mailer: b, appUrl: APP_URL })]);
      expect(results[0]!.sent + results[1]!.sent).toBe(12);
    } finally {
      a.close();
      b.close();
    }
    const subjects = sink.received.map((m) => m.subject).sort();
    expect(subjects).toHaveLength(12);
    expect(new Set(subjects).size).toBe(12);
  });

  it("a deactivated member is not mailed, and without SMTP_URL labgate stays in-app", async () => {
    const { lab, member } = await labWithRoles();
    await getDb().update(users).set({ status: "deactivated" }).where(eq(users.id, member.id));
    await notify(getDb(), { labId: lab.id, userId: member.id, kind: "access_revoked", title: "Gone", body: "Access ended." });
    const m = mailer();
    try {
      expect(await sendPendingEmails(getDb(), { now: now(), mailer: m, appUrl: APP_URL })).toEqual({ sent: 0, failed: 0 });
    } finally {
      m.close();
    }
    expect(sink.received).toHaveLength(0);
    expect(mailerFromEnv({ ...getEnv(), SMTP_URL: undefined })).toBeNull();
  });
});
