import "server-only";
import { now } from "@/lib/clock";
import { getDb } from "@/lib/db/client";
import { defineJob } from "@/lib/jobs/job-runner";
import { runDestruction } from "./destroy";
import { runRetentionSweep } from "./due-sweep";
import { DESTROY_QUEUE, DESTROY_QUEUE_OPTIONS } from "./queue";

/** Retention tasks for stewards, once a day at 05:45 UTC (idempotent: dedupe keys). */
export const retentionSweepJob = defineJob<object>({
  name: "retention-daily-sweep",
  cron: "45 5 * * *",
  queue: { retryLimit: 3, retryDelay: 600, retryBackoff: true, expireInSeconds: 3600 },
  handle: () => runRetentionSweep(getDb(), { now: now() }),
});

/** One confirmed destruction; resumes where a dead worker stopped (lib/retention/destroy.ts). */
export const destroyJob = defineJob<{ destructionId: string }>({
  name: DESTROY_QUEUE,
  queue: DESTROY_QUEUE_OPTIONS,
  handle: (data) => runDestruction({ destructionId: data.destructionId }),
});

export const retentionJobs = [retentionSweepJob, destroyJob];
