import type { ChildProcess } from "node:child_process";
import { createLogger } from "@/lib/log/logger";

// `npm start` keeps the background worker alive (scripts/start.ts): a worker that dies — a crash, an
// OOM kill, a kill -9 — is started again after a pause that doubles with each quick death (so a
// worker that cannot start does not spin a core), and every death and restart is logged. The
// restarted worker resumes the download jobs its predecessor left (lib/downloads/sweep.ts).

export type SupervisorLog = { info(message: string): void; error(message: string): void };

export type SupervisorOptions = {
  /** How the child is named in log lines ("the background worker"). */
  name: string;
  /** Starts one child process; called again for every restart. */
  start: () => ChildProcess;
  /** Pause before the first restart; doubles with every death that follows a short run. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** A child that ran this long before dying was healthy: the next pause starts over at initialDelayMs. */
  healthyAfterMs?: number;
  log?: SupervisorLog;
  /** Called with every child started, the first included. */
  onStart?: (child: ChildProcess) => void;
};

export type Supervisor = {
  /** The running child, or null while a restart is pending or after stop(). */
  current(): ChildProcess | null;
  /** How many times the child was restarted. */
  restarts(): number;
  /** Stops supervising: signals the running child (default SIGTERM) and resolves once it exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
};

// npm start's own JSON log lines (docs/decisions/024), apart from the worker's and the app's.
let startLog: ReturnType<typeof createLogger> | undefined;
const consoleLog: SupervisorLog = {
  info: (m) => (startLog ??= createLogger({ service: "start" })).info(m),
  error: (m) => (startLog ??= createLogger({ service: "start" })).error(m),
};

export function supervise(opts: SupervisorOptions): Supervisor {
  const initialDelayMs = opts.initialDelayMs ?? 1_000;
  const maxDelayMs = opts.maxDelayMs ?? 60_000;
  const healthyAfterMs = opts.healthyAfterMs ?? 60_000;
  const log = opts.log ?? consoleLog;
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let delay = initialDelayMs;
  let restarts = 0;
  let stopping = false;
  let pending: NodeJS.Timeout | null = null;

  const launch = () => {
    pending = null;
    if (stopping) return;
    const started = Date.now();
    const proc = opts.start();
    child = proc;
    let done = false;
    exited = new Promise<void>((resolve) => {
      const ended = (how: string) => {
        if (done) return;
        done = true;
        if (child === proc) child = null;
        resolve();
        if (stopping) return;
        const ranMs = Date.now() - started;
        if (ranMs >= healthyAfterMs) delay = initialDelayMs;
        const wait = delay;
        delay = Math.min(maxDelayMs, delay * 2);
        log.error(`labgate: ${opts.name} ${how} after ${formatSeconds(ranMs)}; restarting it in ${formatSeconds(wait)}`);
        pending = setTimeout(() => {
          restarts++;
          launch();
          if (child) log.info(`labgate: ${opts.name} restarted (pid ${child.pid ?? "?"}, restart ${restarts})`);
        }, wait);
      };
      proc.once("exit", (code, signal) => ended(signal ? `was killed by ${signal}` : `exited with code ${code}`));
      // A child that could not be spawned at all emits only "error".
      proc.once("error", (e) => {
        if (proc.pid === undefined) ended(`could not start (${e.message})`);
      });
    });
    opts.onStart?.(proc);
  };

  launch();
  return {
    current: () => child,
    restarts: () => restarts,
    async stop(signal = "SIGTERM") {
      stopping = true;
      if (pending) clearTimeout(pending);
      pending = null;
      const running = child;
      if (running && running.exitCode === null && running.signalCode === null) running.kill(signal);
      await exited;
    },
  };
}

function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}
