import "server-only";
import PgBoss from "pg-boss";
import pg from "pg";
import { errorFields, log } from "@/lib/log/logger";
import { listenForWakeUps } from "./wake-workers";

// labgate's background work (daily credentialing sweeps, notification mail, downloads) runs on
// pg-boss: jobs live in PostgreSQL next to the data they change, survive restarts, retry with
// backoff, and any number of worker processes sharing the database can take them. Every job is
// listed in lib/jobs/registry.ts; scripts/worker.ts runs them.

export type JobDefinition<T extends object = object> = {
  name: string;
  /** Cron (UTC) for recurring jobs; omit for jobs that are only sent (a stale schedule is removed). */
  cron?: string;
  /** pg-boss queue options: retries, backoff, expiry. */
  queue?: Omit<PgBoss.Queue, "name">;
  work?: PgBoss.WorkOptions;
  /** Returns a small summary for the worker's log line. */
  handle: (data: T, job: PgBoss.Job<T>) => Promise<unknown>;
};

/** One finished run of one job, for the worker's log. */
export type JobRun = { name: string; id: string; ms: number } & ({ ok: true; result: unknown } | { ok: false; error: Error });

export function defineJob<T extends object>(def: JobDefinition<T>): JobDefinition<T> {
  return def;
}

const SCHEMA = "pgboss";
// Any fixed number: one process at a time sets queues up.
const QUEUE_SETUP_LOCK = 0x6c676273;

/**
 * pg-boss 10 makes a table partition per queue and rewrites its schedules on start: two processes
 * doing it at once (workers on two machines started together) deadlock in PostgreSQL and one worker
 * dies. Setup is therefore serialised on a session advisory lock, released when its connection closes.
 */
export async function withQueueSetupLock<T>(connectionString: string, body: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [QUEUE_SETUP_LOCK]);
    return await body();
  } finally {
    await client.end();
  }
}

export async function startJobRunner(opts: {
  connectionString: string;
  jobs: readonly JobDefinition[];
  onError?: (e: Error) => void;
  /** Called after every job run, successful or not (the worker logs one line from it). */
  onRun?: (run: JobRun) => void;
  /** How often idle workers look for new jobs; pg-boss's default is 2 s. */
  pollingIntervalSeconds?: number;
}): Promise<PgBoss> {
  const boss = new PgBoss({ connectionString: opts.connectionString, schema: SCHEMA, max: 4 });
  boss.on("error", opts.onError ?? ((e) => log().error(errorFields(e), "job queue error")));
  await withQueueSetupLock(opts.connectionString, async () => {
    await boss.start();
    for (const job of new Map(opts.jobs.map((j) => [j.name, j])).values()) {
      // createQueue is a no-op for an existing queue; updateQueue applies changed options on restart.
      await boss.createQueue(job.name, { name: job.name, ...job.queue });
      if (job.queue) await boss.updateQueue(job.name, { name: job.name, ...job.queue });
      if (job.cron) await boss.schedule(job.name, job.cron, {}, { tz: "UTC" });
      else await boss.unschedule(job.name);
    }
  });
  const workers = new Map<string, string[]>();
  for (const job of opts.jobs) {
    const work = { ...(opts.pollingIntervalSeconds ? { pollingIntervalSeconds: opts.pollingIntervalSeconds } : {}), ...job.work };
    const id = await boss.work<object>(job.name, work, async (batch) => {
      for (const j of batch) {
        const started = performance.now();
        const ms = () => Math.round(performance.now() - started);
        try {
          const result = await job.handle(j.data, j);
          opts.onRun?.({ name: job.name, id: j.id, ms: ms(), ok: true, result });
        } catch (e) {
          const error = e instanceof Error ? e : new Error(String(e));
          opts.onRun?.({ name: job.name, id: j.id, ms: ms(), ok: false, error });
          // Rethrown so pg-boss marks the job failed and retries it per the queue's options.
          throw error;
        }
      }
    });
    workers.set(job.name, [...(workers.get(job.name) ?? []), id]);
  }
  wakeUps.set(boss, listenForWakeUps({ connectionString: opts.connectionString, boss, workers }));
  return boss;
}

const wakeUps = new WeakMap<PgBoss, { stop(): Promise<void> }>();

/** Stops taking jobs, lets running ones finish (up to timeoutMs), then closes the connections. */
export async function stopJobRunner(boss: PgBoss, opts: { timeoutMs?: number } = {}): Promise<void> {
  await wakeUps.get(boss)?.stop();
  // wait: resolves once running jobs ended (or the timeout failed them) and the pool is closed.
  await boss.stop({ graceful: true, wait: true, timeout: opts.timeoutMs ?? 30_000 });
}

/** A sender for web requests: enqueue without working (the worker process does the work). */
let sender: Promise<PgBoss> | undefined;
export function jobSender(connectionString: string): Promise<PgBoss> {
  sender ??= (async () => {
    const boss = new PgBoss({ connectionString, schema: SCHEMA, max: 2, supervise: false, schedule: false });
    boss.on("error", (e) => log().error(errorFields(e), "job sender error"));
    await boss.start();
    return boss;
  })();
  return sender;
}

/** Closes the sender's connections, if one was started (scripts and tests that drop their database). */
export async function stopJobSender(): Promise<void> {
  const started = sender;
  sender = undefined;
  if (started) await (await started).stop({ graceful: false, wait: true }).catch(() => {});
}
