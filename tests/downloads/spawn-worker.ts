import type { ChildProcess } from "node:child_process";
import { spawnHeldTestWorker, spawnTestWorker } from "../support/spawn-test-worker";

const script = "tests/downloads/worker-main.ts";
const what = "download worker";

/**
 * Starts `tests/downloads/worker-main.ts` in its own process (pg-boss, its own connections, as a lab
 * runs a worker) and resolves once it has taken over orphaned jobs and is polling.
 */
export function spawnDownloadWorker({ env, log, startTimeoutMs = 90_000 }: { env: NodeJS.ProcessEnv; log?: string[]; startTimeoutMs?: number }): Promise<ChildProcess> {
  return spawnTestWorker({ script, what, env, log, startTimeoutMs });
}

/** The same worker, loaded but held before it starts (see spawnHeldTestWorker). */
export function spawnHeldDownloadWorker({ env, log, startTimeoutMs = 90_000 }: { env: NodeJS.ProcessEnv; log?: string[]; startTimeoutMs?: number }) {
  return spawnHeldTestWorker({ script, what, env, log, startTimeoutMs });
}
