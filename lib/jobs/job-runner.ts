import "server-only";
import PgBoss from "pg-boss";

// labgate's background work (daily credentialing sweeps, downloads) runs on pg-boss: jobs live in
// PostgreSQL next to the data they change, survive restarts, retry with backoff, and any number of
// worker processes sharing the database can take them. Each concern registers its queues in
// lib/jobs/registry.ts; scripts/worker.ts runs them.

export type JobDefinition<T extends object = object> = {
  name: string;
  /** Cron (UTC) for recurring jobs; omit for jobs that are only sent. */
  cron?: string;
  /** pg-boss queue options: retries, backoff, expiry. */
  queue?: Omit<PgBoss.Queue, "name">;
  work?: PgBoss.WorkOptions;
  handle: (data: T, job: PgBoss.Job<T>) => Promise<unknown>;
};

export function defineJob<T extends object>(def: JobDefinition<T>): JobDefinition<T> {
  return def;
}

export async function startJobRunner(opts: { connectionString: string; jobs: readonly JobDefinition[]; onError?: (e: Error) => void }): Promise<PgBoss> {
  const boss = new PgBoss({ connectionString: opts.connectionString, schema: "pgboss", max: 4 });
  boss.on("error", opts.onError ?? ((e) => console.error(`labgate worker: ${e.message}`)));
  await boss.start();
  for (const job of opts.jobs) {
    await boss.createQueue(job.name, { name: job.name, ...job.queue });
    if (job.cron) await boss.schedule(job.name, job.cron, {}, { tz: "UTC" });
    await boss.work<object>(job.name, job.work ?? {}, async (batch) => {
      for (const j of batch) await job.handle(j.data, j);
    });
  }
  return boss;
}

/** A sender for web requests: enqueue without working (the worker process does the work). */
let sender: Promise<PgBoss> | undefined;
export function jobSender(connectionString: string): Promise<PgBoss> {
  sender ??= (async () => {
    const boss = new PgBoss({ connectionString, schema: "pgboss", max: 2, supervise: false, schedule: false });
    boss.on("error", (e) => console.error(`labgate jobs: ${e.message}`));
    await boss.start();
    return boss;
  })();
  return sender;
}
