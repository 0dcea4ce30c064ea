import "server-only";
import type PgBoss from "pg-boss";
import { getEnv } from "@/lib/env";
import { jobSender, withQueueSetupLock } from "@/lib/jobs/job-runner";
import { wakeWorkers } from "@/lib/jobs/wake-workers";

// pg-boss queues of the downloads (definitions in ./jobs.ts). The web app only sends; worker
// processes (scripts/worker.ts) do the work. A queue must exist before a send, so the sender creates
// it too (idempotent) with the same options the worker uses.

export const PREPARE_QUEUE = "downloads.prepare";
export const DRIVE_QUEUE = "downloads.drive";
export const SWEEP_QUEUE = "downloads.sweep";

/** Lanes one drive message takes: a job of concurrency 4 is two messages, which two workers can share. */
export const LANES_PER_SHARE = 2;
export const SLICE_MS = 5 * 60_000;

export const QUEUE_OPTIONS: Record<string, Omit<PgBoss.Queue, "name">> = {
  [PREPARE_QUEUE]: { retryLimit: 3, retryDelay: 30, retryBackoff: true, expireInSeconds: 2 * 3600 },
  // A slice is 5 minutes; a handler that outlives three of them is presumed dead and its message retried.
  [DRIVE_QUEUE]: { retryLimit: 10, retryDelay: 10, retryBackoff: true, expireInSeconds: 15 * 60 },
  [SWEEP_QUEUE]: { retryLimit: 0, expireInSeconds: 5 * 60 },
};

const created = new Set<string>();

async function sender(): Promise<PgBoss> {
  const boss = await jobSender(getEnv().DATABASE_URL);
  if (created.size < Object.keys(QUEUE_OPTIONS).length) {
    await withQueueSetupLock(getEnv().DATABASE_URL, async () => {
      for (const [name, options] of Object.entries(QUEUE_OPTIONS)) {
        if (created.has(name)) continue;
        await boss.createQueue(name, { name, ...options });
        created.add(name);
      }
    });
  }
  return boss;
}

export async function enqueuePrepare(jobId: string): Promise<void> {
  const boss = await sender();
  await boss.send(PREPARE_QUEUE, { jobId });
  await wakeWorkers(boss, PREPARE_QUEUE);
}

/** Messages for `shares` parallel handlers of a job (each takes up to LANES_PER_SHARE lanes). */
export async function enqueueDrive(jobId: string, opts: { shares: number; startAfter?: Date | null }): Promise<void> {
  const boss = await sender();
  for (let i = 0; i < opts.shares; i++) await boss.send(DRIVE_QUEUE, { jobId }, opts.startAfter ? { startAfter: opts.startAfter } : {});
  // A message for later is found by polling when its time comes.
  if (!opts.startAfter) await wakeWorkers(boss, DRIVE_QUEUE);
}

export function sharesFor(concurrency: number): number {
  return Math.ceil(concurrency / LANES_PER_SHARE);
}
