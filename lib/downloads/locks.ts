import "server-only";
import pg from "pg";
import { getEnv } from "@/lib/env";

// Who works which lane of a job is decided by PostgreSQL session advisory locks held on a dedicated
// connection: a worker that dies (SIGKILL, crash, lost machine) loses its connection and with it its
// locks at once, so another worker can take the lane over without waiting for a lease to expire.

export const PREPARE_LANE = -1;

export type LockClient = {
  tryLock(jobId: string, lane: number): Promise<boolean>;
  unlock(jobId: string, lane: number): Promise<void>;
  close(): Promise<void>;
};

const KEY_SQL = "hashtext('labgate-download:' || $1::text), $2::int";

export async function openLockClient(): Promise<LockClient> {
  const client = new pg.Client({ connectionString: getEnv().DATABASE_URL });
  // A dropped connection releases every lock it held; an 'error' event must not crash the worker.
  client.on("error", () => {});
  await client.connect();
  return {
    async tryLock(jobId, lane) {
      const r = await client.query<{ ok: boolean }>(`select pg_try_advisory_lock(${KEY_SQL}) as ok`, [jobId, lane]);
      return r.rows[0]?.ok === true;
    },
    async unlock(jobId, lane) {
      await client.query(`select pg_advisory_unlock(${KEY_SQL})`, [jobId, lane]);
    },
    async close() {
      await client.end().catch(() => {});
    },
  };
}

/** Lanes of a job nobody holds right now (checked inside one transaction, released at its end). */
export async function freeLanes(jobId: string, lanes: number[]): Promise<number[]> {
  const client = new pg.Client({ connectionString: getEnv().DATABASE_URL });
  client.on("error", () => {});
  await client.connect();
  try {
    await client.query("begin");
    const free: number[] = [];
    for (const lane of lanes) {
      const r = await client.query<{ ok: boolean }>(`select pg_try_advisory_xact_lock(${KEY_SQL}) as ok`, [jobId, lane]);
      if (r.rows[0]?.ok) free.push(lane);
    }
    await client.query("commit");
    return free;
  } finally {
    await client.end().catch(() => {});
  }
}
