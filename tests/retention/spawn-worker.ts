import type { ChildProcess } from "node:child_process";
import { spawnTestWorker } from "../support/spawn-test-worker";

/** tests/retention/worker-main.ts in its own process, polling; 120 s to start on a loaded machine. */
export function spawnRetentionWorker({ env, log }: { env: NodeJS.ProcessEnv; log?: string[] }): Promise<ChildProcess> {
  return spawnTestWorker({ script: "tests/retention/worker-main.ts", what: "retention worker", env, log, startTimeoutMs: 120_000 });
}
