/**
 * `npm run worker`: runs every background job of lib/jobs/registry.ts on pg-boss until SIGTERM or
 * SIGINT, then lets running jobs finish and exits. `npm start` runs it next to the web app; run more
 * than one against the same database and they share the work. Server code: started with
 * `node --conditions=react-server --import tsx` (see package.json).
 */
import { closeDb, getDb } from "@/lib/db/client";
import { resumeOrphanedDownloads } from "@/lib/downloads/sweep";
import { getEnv } from "@/lib/env";
import { startJobRunner, stopJobRunner, type JobRun } from "@/lib/jobs/job-runner";
import { auditCheckpointJob, jobRegistry } from "@/lib/jobs/registry";
import { errorFields, log } from "@/lib/log/logger";
import { recoverAbandonedImportsIfIdle } from "@/lib/mimic/import/recover";
import { startHeartbeat } from "@/lib/ops/heartbeat";
import { wipeStaleWgetDirs } from "@/lib/physionet/wget/private-root";
import { loadDotEnv } from "./lib/runtime-env";

// A job's result goes into its log line as numbers, flags and short names only (counts, ids, sizes):
// results are our own objects, but a log line must not become a copy of what a job read.
function summary(result: unknown): Record<string, unknown> | undefined {
  if (result === null || typeof result !== "object" || Array.isArray(result)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(result).slice(0, 20)) {
    if (typeof v === "number" || typeof v === "boolean") out[k] = v;
    else if (typeof v === "string" && v.length <= 64 && /^[\w.:-]*$/.test(v)) out[k] = v;
  }
  return out;
}

function logRun(run: JobRun): void {
  const fields = { job: run.name, jobId: run.id, ms: run.ms };
  if (run.ok) log().info({ ...fields, ok: true, result: summary(run.result) }, "job");
  else log().error({ ...fields, ok: false, ...errorFields(run.error) }, "job");
}

async function main() {
  loadDotEnv();
  process.env.LABGATE_LOG_SERVICE ??= "worker";
  const env = getEnv();
  const jobs = jobRegistry(env);
  // What a killed worker left of its wget runs (decision 019): no secrets, but nothing should linger.
  const wiped = await wipeStaleWgetDirs();
  if (wiped.removed.length > 0) log().info({ removed: wiped.removed.length }, "removed stale wget folders");
  // An import whose process died (kill -9, crash) left its row "running", which blocks every later
  // web import of that dataset: marked failed here, its leftovers dropped (lib/mimic/import/recover.ts).
  const recovered = await recoverAbandonedImportsIfIdle(env.DATABASE_URL);
  if (recovered?.imports.length) log().warn({ imports: recovered.imports.length }, "marked abandoned imports failed");
  const boss = await startJobRunner({ connectionString: env.DATABASE_URL, jobs, onRun: logRun });
  // A definition listed several times (more pollers for one queue) is one queue to the reader.
  const queues = [...new Map(jobs.map((j) => [j.name, `${j.name}${j.cron ? ` (${j.cron} UTC)` : " (on demand)"}`])).values()];
  log().info({ queues }, "worker running");
  // Jobs a dead worker left "running" are taken over now, not at the next minute's sweep: their lanes
  // (advisory locks) were freed when its connection dropped (docs/decisions/010).
  const resumed = await resumeOrphanedDownloads();
  if (resumed.drive + resumed.prepare > 0) log().info({ drive: resumed.drive, prepare: resumed.prepare }, "resumed downloads a previous worker left");
  const heartbeat = startHeartbeat(getDb());
  // A checkpoint at every start, so the chain is anchored without waiting for the first 10 minutes.
  await boss.send(auditCheckpointJob.name, {});
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log().info({ signal }, "worker stopping: finishing running jobs");
    try {
      await stopJobRunner(boss);
      await heartbeat.stop();
      await closeDb();
      log().info("worker stopped");
      process.exit(0);
    } catch (e) {
      log().error(errorFields(e), "worker could not stop cleanly");
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((e: unknown) => {
  log().fatal(errorFields(e, { whole: true }), "worker failed");
  process.exit(1);
});
