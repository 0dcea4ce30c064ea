import "server-only";
import type PgBoss from "pg-boss";
import pg from "pg";
import { errorFields, log } from "@/lib/log/logger";

// pg-boss finds new jobs by polling (every 2 s by default): a download a member starts waited on
// average a second before its first byte, and each next slice as long. A sender therefore also
// sends a NOTIFY naming the queue, and every worker LISTENs and wakes its pollers of that queue at
// once (pg-boss's notifyWorker). Polling stays the fallback: a lost NOTIFY or a dropped listening
// connection only costs the old delay.

export const WAKE_CHANNEL = "labgate_jobs_wake";
const RECONNECT_MS = 5_000;

/** After a send: wakes the workers polling `queue` (best effort; the send itself already happened). */
export async function wakeWorkers(boss: PgBoss, queue: string): Promise<void> {
  await boss
    .getDb()
    .executeSql("select pg_notify($1, $2)", [WAKE_CHANNEL, queue])
    .catch(() => {});
}

/** Listens on its own connection for the rest of the worker's life (until `stop`), waking pollers by queue. */
export function listenForWakeUps({ connectionString, boss, workers }: { connectionString: string; boss: PgBoss; workers: ReadonlyMap<string, readonly string[]> }): { stop(): Promise<void> } {
  let client: pg.Client | null = null;
  let stopped = false;
  let retry: NodeJS.Timeout | null = null;

  const connect = async () => {
    if (stopped) return;
    const c = new pg.Client({ connectionString });
    client = c;
    const again = () => {
      if (stopped || client !== c) return;
      client = null;
      void c.end().catch(() => {});
      retry = setTimeout(() => void connect(), RECONNECT_MS);
    };
    c.on("error", again);
    c.on("end", again);
    c.on("notification", (message) => {
      for (const id of workers.get(message.payload ?? "") ?? []) boss.notifyWorker(id);
    });
    try {
      await c.connect();
      await c.query(`listen ${WAKE_CHANNEL}`);
    } catch (e) {
      log().warn(errorFields(e), "job wake-ups unavailable, polling only");
      again();
    }
  };
  void connect();

  return {
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}
