import { spawn, type ChildProcess } from "node:child_process";

const READY = "test worker: running";
/** Printed by a worker started with `hold` once its modules are loaded; it then waits for a line on stdin. */
export const LOADED = "test worker: loaded";

type Opts = { script: string; what: string; env: NodeJS.ProcessEnv; log?: string[]; startTimeoutMs: number };

function startChild(opts: Opts, hold: boolean) {
  const log = opts.log ?? [];
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", opts.script], {
    env: hold ? { ...opts.env, TEST_WORKER_HOLD: "1" } : opts.env,
    stdio: [hold ? "pipe" : "ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => {
    out += c.toString();
    log.push(c.toString());
  });
  child.stderr!.on("data", (c: Buffer) => log.push(c.toString()));
  const waitFor = async (line: string, timeoutMs: number) => {
    const until = Date.now() + timeoutMs;
    while (!out.includes(line)) {
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > until) {
        child.kill("SIGKILL");
        throw new Error(`the ${opts.what} did not start:\n${log.join("")}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { child, waitFor };
}

/**
 * Starts a test worker script (pg-boss in its own process, as a lab runs its worker) and resolves once
 * it prints that it is polling. Every line goes to `log`; a worker that exits or stays silent for
 * `startTimeoutMs` (a loaded machine compiles slowly) fails with that log.
 */
export async function spawnTestWorker(opts: Opts): Promise<ChildProcess> {
  const { child, waitFor } = startChild(opts, false);
  await waitFor(READY, opts.startTimeoutMs);
  return child;
}

/**
 * A worker process whose modules are loaded (Node, tsx and the job code: most of a start on a loaded
 * machine) but which has done nothing else: no database connection, no job runner, no takeover of
 * orphaned jobs. `start()` lets it go on as a freshly started worker and resolves once it is polling.
 * Kill-and-restart tests make the next worker ahead, so each restart costs what a lab's restart does
 * after the code is on disk, not the module loading again.
 */
export function spawnHeldTestWorker(opts: Opts): { child: ChildProcess; loaded: Promise<void>; start: () => Promise<ChildProcess> } {
  const { child, waitFor } = startChild(opts, true);
  const loaded = waitFor(LOADED, opts.startTimeoutMs);
  // Settled here too, so that a held worker nobody starts (the last one, at the end) rejects quietly.
  loaded.catch(() => {});
  return {
    child,
    loaded,
    start: async () => {
      await loaded;
      child.stdin!.end("go\n");
      await waitFor(READY, opts.startTimeoutMs);
      return child;
    },
  };
}
