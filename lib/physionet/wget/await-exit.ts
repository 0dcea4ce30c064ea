import type { ChildProcess } from "node:child_process";

const KILL_GRACE_MS = 2_000;

export type ChildExit = { exitCode: number | null; timedOut: boolean; aborted: boolean };

/**
 * Waits for a wget process to end, stopping it (SIGTERM, then SIGKILL after a grace period) at its
 * timeout or when `signal` aborts — so a hung transfer or a cancelled job never leaves wget running.
 */
export async function awaitExit({ child, timeoutMs, signal }: { child: ChildProcess; timeoutMs: number; signal?: AbortSignal }): Promise<ChildExit> {
  let timedOut = false;
  let aborted = false;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = () => {
    child.kill("SIGTERM");
    killTimer ??= setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, timeoutMs);
  const onAbort = () => {
    aborted = true;
    stop();
  };
  if (signal?.aborted) onAbort();
  signal?.addEventListener("abort", onAbort, { once: true });

  const exitCode = await new Promise<number | null>((resolve) => {
    child.once("error", () => resolve(null));
    child.once("close", (code) => resolve(code));
  });
  clearTimeout(timer);
  clearTimeout(killTimer);
  signal?.removeEventListener("abort", onAbort);
  return { exitCode, timedOut, aborted };
}
