import { spawn, type ChildProcess } from "node:child_process";

const READY = "test worker: running";

/**
 * Starts `tests/downloads/worker-main.ts` in its own process (pg-boss, its own connections, as a lab
 * runs a worker) and resolves once it has taken over orphaned jobs and is polling. Every line it
 * prints goes to `log`; a worker that exits or stays silent for `startTimeoutMs` fails with that log.
 */
export async function spawnDownloadWorker({ env, log = [], startTimeoutMs = 90_000 }: { env: NodeJS.ProcessEnv; log?: string[]; startTimeoutMs?: number }): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "tests/downloads/worker-main.ts"], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => {
    out += c.toString();
    log.push(c.toString());
  });
  child.stderr!.on("data", (c: Buffer) => log.push(c.toString()));
  const until = Date.now() + startTimeoutMs;
  while (!out.includes(READY)) {
    if (child.exitCode !== null || Date.now() > until) {
      child.kill("SIGKILL");
      throw new Error(`the download worker did not start:\n${log.join("")}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}
