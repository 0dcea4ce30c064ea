/**
 * A retention worker for e2e/retention.spec.ts: the retention jobs of lib/retention/jobs.ts on
 * pg-boss, polling every half second. Run with `node --conditions=react-server --import tsx
 * tests/retention/worker-main.ts`; reads DATABASE_URL and LABGATE_STORAGE_DIR like the real worker.
 */
import { getEnv } from "@/lib/env";
import { startJobRunner, stopJobRunner, type JobDefinition } from "@/lib/jobs/job-runner";
import { destroyJob } from "@/lib/retention/jobs";

async function main() {
  const boss = await startJobRunner({
    connectionString: getEnv().DATABASE_URL,
    jobs: [destroyJob as JobDefinition],
    pollingIntervalSeconds: 0.5,
    onRun: (run) => {
      if (!run.ok) console.error(`test worker: ${run.name} failed: ${run.error.message.split("\n")[0]}`);
      else console.log(`test worker: ${run.name} ${JSON.stringify(run.result ?? null)} in ${run.ms} ms`);
    },
  });
  console.log("test worker: running");
  const stop = async () => {
    await stopJobRunner(boss, { timeoutMs: 5_000 }).catch(() => {});
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
}

main().catch((e: unknown) => {
  console.error(`test worker: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
