import "server-only";
import { auditSigningKey } from "@/lib/audit/checkpoint-key";
import { writeAuditCheckpoint } from "@/lib/audit/checkpoint-write";
import { now } from "@/lib/clock";
import { runDailyCredentialingSweep } from "@/lib/credentialing/daily-sweep";
import { getDb } from "@/lib/db/client";
import { createDownloadJobs } from "@/lib/downloads/jobs";
import { getEnv, type Env } from "@/lib/env";
import { mailerFromEnv } from "@/lib/notifications/mailer";
import { retentionJobs } from "@/lib/retention/jobs";
import { sendPendingEmails } from "@/lib/notifications/send-pending";
import { getStorage } from "@/lib/storage/get-storage";
import { defineJob, type JobDefinition } from "./job-runner";

// Every background job labgate runs, in one list; scripts/worker.ts starts them all. Times are UTC.

/** Training and access expiry, access review deadlines, reminders: once a day at 05:30 UTC. */
export const dailyCredentialingSweepJob = defineJob<object>({
  name: "credentialing-daily-sweep",
  cron: "30 5 * * *",
  // Idempotent, so a retry after a crash half-way only finishes what is left.
  queue: { retryLimit: 3, retryDelay: 600, retryBackoff: true, expireInSeconds: 3600 },
  handle: () => runDailyCredentialingSweep(getDb(), { now: now() }),
});

/** Mails notifications not mailed yet, every minute; scheduled only when SMTP_URL is set. */
export function notificationEmailJob(env: Env = getEnv()): JobDefinition {
  return defineJob<object>({
    name: "notification-emails",
    cron: env.SMTP_URL ? "* * * * *" : undefined,
    // The next minute's run is the retry; failed messages carry their own backoff (send-pending.ts).
    queue: { retryLimit: 0, expireInSeconds: 300 },
    handle: async () => {
      const mailer = mailerFromEnv(env);
      if (!mailer) return { skipped: "SMTP_URL is not set" };
      try {
        return await sendPendingEmails(getDb(), { now: now(), mailer, appUrl: env.NEXTAUTH_URL });
      } finally {
        mailer.close();
      }
    },
  });
}

/**
 * Signs the audit chain's head into lab storage every 10 minutes (and once when a worker starts,
 * scripts/worker.ts), so a rewrite of audit_log is caught by `npm run audit:verify`.
 */
export const auditCheckpointJob = defineJob<object>({
  name: "audit-checkpoint",
  cron: "*/10 * * * *",
  // A missed one is replaced by the next; a short retry covers a storage hiccup.
  queue: { retryLimit: 2, retryDelay: 30, expireInSeconds: 300 },
  handle: async () => {
    const file = await writeAuditCheckpoint({ db: getDb(), storage: getStorage(), key: auditSigningKey(), source: "worker" });
    return { lastId: file.lastId, rowCount: file.rowCount };
  },
});

export function jobRegistry(env: Env = getEnv()): JobDefinition[] {
  return [dailyCredentialingSweepJob, notificationEmailJob(env), auditCheckpointJob, ...createDownloadJobs({ drivePollers: env.LABGATE_WORKER_DRIVE_SLOTS }), ...(retentionJobs as JobDefinition[])];
}
