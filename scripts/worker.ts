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
import { startHeartbeat } from "@/lib/ops/heartbeat";
import { wipeStaleWgetDirs } from "@/lib/physionet/wget/private-root";
import { loadDotEnv } from "./lib/runtime-env";

function summary(result: unknown): string {
  if (result === undefined || result === null) return "";
  const text = JSON.stringify(result);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function logRun(run: JobRun): void {
  const head = `labgate worker: ${run.name} ${run.id}`;
  if (run.ok) console.log(`${head} done in ${run.ms} ms ${summary(run.result)}`.trimEnd());
  else console.error(`${head} failed after ${run.ms} ms: ${run.error.message.split("\n")[0]}`);
}

async function main() {
  loadDotEnv();
  const env = getEnv();
  const jobs = jobRegistry(env);
  // What a killed worker left of its wget runs (decision 019): no secrets, but nothing should linger.
  const wiped = await wipeStaleWgetDirs();
  if (wiped.removed.length > 0) console.log(`labgate worker: removed ${wiped.removed.length} stale wget folder(s)`);
  const boss = await startJobRunner({ connectionString: env.DATABASE_URL, jobs, onRun: logRun });
  // A definition listed several times (more pollers for one queue) is one queue to the reader.
  const queues = [...new Map(jobs.map((j) => [j.name, `${j.name}${j.cron ? ` (${j.cron} UTC)` : " (on demand)"}`])).values()];
  console.log(`labgate worker: running ${queues.join(", ")}`);
  // Jobs a dead worker left "running" are taken over now, not at the next minute's sweep: their lanes
  // (advisory locks) were freed when its connection dropped (docs/decisions/010).
  const resumed = await resumeOrphanedDownloads();
  if (resumed.drive + resumed.prepare > 0) console.log(`labgate worker: resumed ${resumed.drive} download share(s) and ${resumed.prepare} preparation(s) a previous worker left`);
  const heartbeat = startHeartbeat(getDb());
  // A checkpoint at every start, so the chain is anchored without waiting for the first 10 minutes.
  await boss.send(auditCheckpointJob.name, {});
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`labgate worker: ${signal}, finishing running jobs…`);
    try {
      await stopJobRunner(boss);
      await heartbeat.stop();
      await closeDb();
      console.log("labgate worker: stopped");
      process.exit(0);
    } catch (e) {
      console.error(`labgate worker: could not stop cleanly: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((e: unknown) => {
  console.error(`labgate worker: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
