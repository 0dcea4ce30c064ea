import "server-only";
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { desc, lt, sql } from "drizzle-orm";
import { workerHeartbeats } from "@/db/schema";
import type { Db } from "@/lib/db/client";

const BEAT_MS = 30_000;
// A worker that missed four beats is taken for gone (its row is dropped at the next beat of any worker).
export const HEARTBEAT_STALE_MS = 4 * BEAT_MS;

/** Beats for this worker process every 30 s until the returned stop() is called. */
export function startHeartbeat(db: Db): { stop: () => Promise<void> } {
  const workerId = randomUUID();
  const startedAt = new Date();
  const beat = async () => {
    const at = new Date();
    await db
      .insert(workerHeartbeats)
      .values({ workerId, host: hostname(), pid: process.pid, startedAt, beatAt: at })
      .onConflictDoUpdate({ target: workerHeartbeats.workerId, set: { beatAt: at } });
    await db.delete(workerHeartbeats).where(lt(workerHeartbeats.beatAt, new Date(at.getTime() - 10 * HEARTBEAT_STALE_MS)));
  };
  const first = beat().catch(() => {});
  const timer = setInterval(() => void beat().catch(() => {}), BEAT_MS);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await first;
      await db.delete(workerHeartbeats).where(sql`${workerHeartbeats.workerId} = ${workerId}`).catch(() => {});
    },
  };
}

export type WorkerStatus = { live: number; lastBeatAt: Date | null; workers: { host: string; pid: number; startedAt: Date; beatAt: Date }[] };

export async function workerStatus(db: Db, at: Date = new Date()): Promise<WorkerStatus> {
  const rows = await db.select().from(workerHeartbeats).orderBy(desc(workerHeartbeats.beatAt));
  const live = rows.filter((r) => at.getTime() - r.beatAt.getTime() <= HEARTBEAT_STALE_MS);
  return { live: live.length, lastBeatAt: rows[0]?.beatAt ?? null, workers: live.map(({ host, pid, startedAt, beatAt }) => ({ host, pid, startedAt, beatAt })) };
}

/** Jobs waiting in pg-boss (created or waiting to retry); null before the worker ever created its schema. */
export async function queueDepth(db: Db): Promise<number | null> {
  const exists = await db.execute<{ t: string | null }>(sql`select to_regclass('pgboss.job')::text as t`);
  if (!exists.rows[0]?.t) return null;
  const r = await db.execute<{ n: number }>(sql`select count(*)::int as n from pgboss.job where state in ('created', 'retry')`);
  return r.rows[0]!.n;
}
