import { spawn, type ChildProcess } from "node:child_process";

const READY = "test worker: running";

/**
 * Starts tests/retention/worker-main.ts in its own process (pg-boss, as a lab runs its worker) and
 * resolves once it polls. Every line goes to `log`; a worker that exits or stays silent for 120 s
 * (a loaded machine compiles slowly) fails with that log.
 */
export async function spawnRetentionWorker({ env, log = [] }: { env: NodeJS.ProcessEnv; log?: string[] }): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "tests/retention/worker-main.ts"], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => {
    out += c.toString();
    log.push(c.toString());
  });
  child.stderr!.on("data", (c: Buffer) => log.push(c.toString()));
  const until = Date.now() + 120_000;
  while (!out.includes(READY)) {
    if (child.exitCode !== null || Date.now() > until) {
      child.kill("SIGKILL");
      throw new Error(`the retention worker did not start:\n${log.join("")}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}
