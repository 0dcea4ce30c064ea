/**
 * A download worker for tests (vitest's kill-and-resume test, e2e/downloads.spec.ts): the download
 * jobs of lib/downloads/jobs.ts on pg-boss, with short slices and retries so tests run in seconds.
 * Run with `node --conditions=react-server --import tsx tests/downloads/worker-main.ts`; reads
 * DATABASE_URL, PHYSIONET_BASE_URL, PHYSIONET_CA_FILE and LABGATE_STORAGE_DIR like the real worker.
 * With TEST_WORKER_HOLD=1 it loads its modules, says so, and waits for a line on stdin before doing
 * anything a worker does (tests/support/spawn-test-worker.ts's spawnHeldTestWorker).
 */
import { createInterface } from "node:readline";
import { createDownloadJobs, resumeOrphanedDownloads } from "@/lib/downloads/jobs";
import { getEnv } from "@/lib/env";
import { startJobRunner, stopJobRunner } from "@/lib/jobs/job-runner";
import { wipeStaleWgetDirs } from "@/lib/physionet/wget/private-root";

async function main() {
  const env = getEnv();
  // As scripts/worker.ts does at start.
  const wiped = await wipeStaleWgetDirs();
  const jobs = createDownloadJobs({ drivePollers: Number(process.env.TEST_DRIVE_POLLERS ?? 2), drive: { sliceMs: Number(process.env.TEST_SLICE_MS ?? 20_000), retryBaseMs: 200, waitRetrySeconds: 1 } });
  const boss = await startJobRunner({
    connectionString: env.DATABASE_URL,
    jobs,
    pollingIntervalSeconds: 0.5,
    onRun: (run) => {
      if (!run.ok) console.error(`test worker: ${run.name} failed: ${run.error.message.split("\n")[0]}`);
      else if (run.name !== "downloads.sweep") console.log(`test worker: ${run.name} ${JSON.stringify(run.result ?? null)} in ${run.ms} ms`);
    },
  });
  // What a restarted worker does first: take over jobs whose worker died.
  const resumed = await resumeOrphanedDownloads();
  console.log(`test worker: running (resumed ${resumed.drive} drive, ${resumed.prepare} prepare, wiped ${wiped.removed.length} wget folders)`);
  const stop = async () => {
    await stopJobRunner(boss, { timeoutMs: 5_000 }).catch(() => {});
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
}

async function released(): Promise<void> {
  if (process.env.TEST_WORKER_HOLD !== "1") return;
  console.log("test worker: loaded");
  const lines = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => lines.once("line", () => resolve()));
  lines.close();
}

released().then(main).catch((e: unknown) => {
  console.error(`test worker: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
