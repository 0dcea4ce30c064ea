import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { getEnv } from "@/lib/env";

// At most LABGATE_WGET_MAX_CONCURRENT wget processes run at once across the installation (every web
// app and worker process on every host sharing the database). A slot is a PostgreSQL session
// advisory lock (key: this namespace, slot number) held on a connection of its own for as long as
// wget runs: a process that dies loses its connection and its slots with it, so nothing leaks.
// Downloads (lanes, file lists, size checks) wait for a slot; "Verify with PhysioNet" waits briefly,
// then is told to come back (429). A quarter of the slots are kept for Verify so that a big
// download never locks members out of it.

export type WgetPurpose = "interactive" | "background";

const NAMESPACE = "labgate-wget-slot";
const RETRY_AFTER_SECONDS = 10;

export class WgetBusyError extends Error {
  readonly retryAfterSeconds = RETRY_AFTER_SECONDS;
  constructor(max: number) {
    super(`All ${max} wget slots are in use; try again in ${RETRY_AFTER_SECONDS} s`);
    this.name = "WgetBusyError";
  }
}

export type WgetSlot = { slot: number; release(): Promise<void> };

/** Slots only "interactive" (Verify) may take: a quarter, at least one once there are two. */
export function reservedSlots(max: number): number {
  return max >= 2 ? Math.max(1, Math.floor(max / 4)) : 0;
}

// Per process, at most `max` acquirers of each purpose hold a connection; a Verify beyond that is
// refused at once and a download waits here, so a burst cannot exhaust PostgreSQL's connections.
const local = { interactive: { held: 0, waiters: [] as (() => void)[] }, background: { held: 0, waiters: [] as (() => void)[] } };

async function takeLocal(purpose: WgetPurpose, max: number, signal?: AbortSignal): Promise<boolean> {
  const l = local[purpose];
  if (l.held < max) {
    l.held++;
    return true;
  }
  if (purpose === "interactive") return false;
  await new Promise<void>((resolve, reject) => {
    const wake = () => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    };
    const onAbort = () => {
      l.waiters.splice(l.waiters.indexOf(wake), 1);
      reject(signal!.reason);
    };
    l.waiters.push(wake);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  return true;
}

function releaseLocal(purpose: WgetPurpose): void {
  const l = local[purpose];
  const next = l.waiters.shift();
  // The place passes straight to the next waiter; `held` stays the same.
  if (next) next();
  else l.held--;
}

/**
 * Takes a slot for one wget process. "background" waits until one is free (or `signal` aborts,
 * rejecting with its reason); "interactive" waits at most `waitMs`, then throws WgetBusyError.
 */
export async function acquireWgetSlot({ purpose, signal, waitMs = 2_000 }: { purpose: WgetPurpose; signal?: AbortSignal; waitMs?: number }): Promise<WgetSlot> {
  const max = getEnv().LABGATE_WGET_MAX_CONCURRENT;
  signal?.throwIfAborted();
  if (!(await takeLocal(purpose, max, signal))) throw new WgetBusyError(max);
  const all = Array.from({ length: max }, (_, i) => i);
  // Verify tries its reserved slots first; downloads never take them.
  const candidates = purpose === "interactive" ? all.reverse() : all.slice(0, max - reservedSlots(max));
  const deadline = purpose === "interactive" ? Date.now() + waitMs : Infinity;
  const client = new pg.Client({ connectionString: getEnv().DATABASE_URL });
  // A dropped connection frees the slot; its 'error' event must not crash the process.
  client.on("error", () => {});
  try {
    await client.connect();
    for (;;) {
      for (const slot of candidates) {
        const r = await client.query<{ ok: boolean }>("select pg_try_advisory_lock(hashtext($1), $2) as ok", [NAMESPACE, slot]);
        if (r.rows[0]?.ok) {
          let released = false;
          return {
            slot,
            async release() {
              if (released) return;
              released = true;
              await client.end().catch(() => {});
              releaseLocal(purpose);
            },
          };
        }
      }
      if (Date.now() >= deadline) throw new WgetBusyError(max);
      await sleep(Math.min(deadline - Date.now(), 50 + Math.random() * 100), undefined, { signal });
    }
  } catch (e) {
    await client.end().catch(() => {});
    releaseLocal(purpose);
    throw e;
  }
}
