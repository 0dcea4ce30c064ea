import { spawn, type ChildProcess } from "node:child_process";

const READY = "test worker: running";

/**
 * Starts a test worker script (pg-boss in its own process, as a lab runs its worker) and resolves once
 * it prints that it is polling. Every line goes to `log`; a worker that exits or stays silent for
 * `startTimeoutMs` (a loaded machine compiles slowly) fails with that log.
 */
export async function spawnTestWorker(opts: { script: string; what: string; env: NodeJS.ProcessEnv; log?: string[]; startTimeoutMs: number }): Promise<ChildProcess> {
  const log = opts.log ?? [];
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", opts.script], { env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => {
    out += c.toString();
    log.push(c.toString());
  });
  child.stderr!.on("data", (c: Buffer) => log.push(c.toString()));
  const until = Date.now() + opts.startTimeoutMs;
  while (!out.includes(READY)) {
    if (child.exitCode !== null || Date.now() > until) {
      child.kill("SIGKILL");
      throw new Error(`the ${opts.what} did not start:\n${log.join("")}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}
