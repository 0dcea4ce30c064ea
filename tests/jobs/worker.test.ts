import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import type PgBoss from "pg-boss";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { auditLog, datasets, labDatasets, notifications } from "@/db/schema";
import { now, setClockOffsetForTests } from "@/lib/clock";
import { getDb } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { credentialMember } from "@/lib/factories";
import { startJobRunner, stopJobRunner, type JobRun } from "@/lib/jobs/job-runner";
import { dailyCredentialingSweepJob, jobRegistry, notificationEmailJob } from "@/lib/jobs/registry";
import { startSmtpSink, type SmtpSink } from "../notifications/smtp-sink";
import { labWithRoles } from "../support/db";
import { isolatedDatabaseForFile } from "../support/isolated-database";

// The jobs run for real on pg-boss against PostgreSQL, in a database of their own (the sweep acts
// on every lab, the sender on every pending notification).
const db = isolatedDatabaseForFile();

const DAY = 86_400_000;
const APP_URL = "http://127.0.0.1:3999";
let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink();
});
afterAll(async () => {
  await sink.close();
});
afterEach(() => setClockOffsetForTests(0));

async function waitForJob(boss: PgBoss, name: string, id: string, timeoutMs = 25_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const job = await boss.getJobById(name, id);
    if (job && (job.state === "completed" || job.state === "failed")) return job;
    if (Date.now() > until) throw new Error(`job ${name} ${id} still ${job?.state ?? "missing"} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("background jobs on pg-boss", () => {
  it("the worker runs the daily sweep and the mail sender: access ends at training expiry and the member is mailed", async () => {
    const { lab, member, steward } = await labWithRoles();
    const [dataset] = await getDb().select().from(datasets).where(and(eq(datasets.slug, "mimic-cxr"), eq(datasets.version, "2.0.0")));
    await getDb().insert(labDatasets).values({ labId: lab.id, datasetId: dataset!.id });
    const acceptedAt = now();
    await credentialMember(getDb(), { labId: lab.id, userId: member.id, stewardId: steward.id, datasetIds: [dataset!.id], at: acceptedAt });

    const env = { ...getEnv(), SMTP_URL: sink.url, NEXTAUTH_URL: APP_URL };
    const runs: JobRun[] = [];
    const boss = await startJobRunner({ connectionString: db.url(), jobs: [dailyCredentialingSweepJob, notificationEmailJob(env)], onRun: (r) => runs.push(r), pollingIntervalSeconds: 0.5 });
    try {
      // Both recurring jobs are scheduled in UTC.
      const schedules = await boss.getSchedules();
      expect(schedules.map((s) => [s.name, s.cron, s.options?.tz]).sort()).toEqual([
        ["credentialing-daily-sweep", "30 5 * * *", "UTC"],
        ["notification-emails", "* * * * *", "UTC"],
      ]);

      // A day past the training's validity (1095 days from acceptance).
      setClockOffsetForTests(1096 * DAY);
      const sweepId = (await boss.send(dailyCredentialingSweepJob.name, {}))!;
      expect((await waitForJob(boss, dailyCredentialingSweepJob.name, sweepId)).state).toBe("completed");
      const sweepRun = runs.find((r) => r.id === sweepId);
      expect(sweepRun).toMatchObject({ ok: true, result: { accessExpired: 1 } });
      const audited = await getDb().select().from(auditLog).where(and(eq(auditLog.labId, lab.id), eq(auditLog.action, "access.expired")));
      expect(audited).toHaveLength(1);

      const mailId = (await boss.send("notification-emails", {}))!;
      expect((await waitForJob(boss, "notification-emails", mailId)).state).toBe("completed");
      expect(runs.find((r) => r.id === mailId)).toMatchObject({ ok: true, result: { sent: 1, failed: 0 } });
      expect(sink.received).toHaveLength(1);
      expect(sink.received[0]!.envelopeTo).toEqual([member.email]);
      expect(sink.received[0]!.subject).toBe("[labgate] Your access to mimic-cxr 2.0.0 has ended");
      expect(sink.received[0]!.text).toContain(`${APP_URL}/credentialing`);
      const [note] = await getDb().select().from(notifications).where(eq(notifications.userId, member.id));
      expect(note!.emailedAt).not.toBeNull();
    } finally {
      await stopJobRunner(boss);
    }
  });

  it("without SMTP_URL the mail job is not scheduled", () => {
    const cron = (env: Parameters<typeof jobRegistry>[0]) => Object.fromEntries(jobRegistry(env).map((j) => [j.name, j.cron ?? null]));
    expect(cron({ ...getEnv(), SMTP_URL: undefined })).toMatchObject({ "credentialing-daily-sweep": "30 5 * * *", "notification-emails": null });
    expect(cron({ ...getEnv(), SMTP_URL: sink.url })).toMatchObject({ "credentialing-daily-sweep": "30 5 * * *", "notification-emails": "* * * * *" });
  });

  it("`npm run worker` starts every job, writes an audit checkpoint, logs, and stops cleanly on SIGTERM", async () => {
    const storageDir = await mkdtemp(path.join(os.tmpdir(), "labgate-worker-"));
    const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/worker.ts"], {
      env: { ...process.env, DATABASE_URL: db.url(), SMTP_URL: "", NODE_ENV: "production", LABGATE_STORAGE_DIR: storageDir, LABGATE_STORAGE_BACKEND: "local" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    // stderr holds Node's own warnings (the AWS SDK's Node-version notice), not labgate's log.
    child.stderr.on("data", () => {});
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    // Every line the worker writes is one JSON object (time, level, service, msg, fields).
    const lines = () => out.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    // A cold start of tsx + pg-boss on a busy machine (the whole suite in parallel) takes a while.
    const until = Date.now() + 45_000;
    const find = async (pred: (l: Record<string, unknown>) => boolean) => {
      while (!lines().some(pred) && Date.now() < until && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      return lines().find(pred);
    };
    const running = await find((l) => l.msg === "worker running");
    expect(running).toMatchObject({ level: "info", service: "worker", time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    const queues = running!.queues as string[];
    expect(queues).toEqual(expect.arrayContaining(["credentialing-daily-sweep (30 5 * * * UTC)", "notification-emails (on demand)", "audit-checkpoint (*/10 * * * * UTC)"]));
    expect(queues.length).toBe(new Set(jobRegistry().map((j) => j.name)).size);
    // The checkpoint a worker writes when it starts.
    const checkpoint = await find((l) => l.msg === "job" && l.job === "audit-checkpoint");
    expect(checkpoint).toMatchObject({ ok: true, jobId: expect.any(String), ms: expect.any(Number), result: { lastId: expect.any(Number), rowCount: expect.any(Number) } });
    expect((await readdir(path.join(storageDir, "audit-checkpoints"))).filter((f) => f.endsWith(".json"))).toHaveLength(1);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(lines().at(-1)).toMatchObject({ msg: "worker stopped", service: "worker" });
    await rm(storageDir, { recursive: true, force: true });
  }, 60_000);
});
