import type { ChildProcess } from "node:child_process";
import { spawnTestWorker } from "../support/spawn-test-worker";

/**
 * Starts `tests/downloads/worker-main.ts` in its own process (pg-boss, its own connections, as a lab
 * runs a worker) and resolves once it has taken over orphaned jobs and is polling.
 */
export function spawnDownloadWorker({ env, log, startTimeoutMs = 90_000 }: { env: NodeJS.ProcessEnv; log?: string[]; startTimeoutMs?: number }): Promise<ChildProcess> {
  return spawnTestWorker({ script: "tests/downloads/worker-main.ts", what: "download worker", env, log, startTimeoutMs });
}
