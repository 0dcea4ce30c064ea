import pg from "pg";
import { getEnv } from "@/lib/env";
import { dropOrphanPartitions } from "./build-partitions";

/**
 * One import at a time per database, held as a session advisory lock for the whole import: imports
 * are heavy, and cleaning up after a dead one must not race a live one. PostgreSQL releases it when
 * the importing process's connection ends, however the process ended (kill -9 included), so holding
 * it proves that no import is running anywhere.
 */
export const IMPORT_LOCK = 7_414_253_101;

export const ABANDONED_MESSAGE = "the import stopped before it finished (its process ended: killed, crashed or restarted); nothing of it was kept — start it again";

// View positions are bits 0..62 of mimic_study_facet.view_bits (build-partitions.ts).
const MAX_VIEW_CODE = 62;

/**
 * The view names a failed or killed import added. They were numbered above every code in use
 * (build-partitions.ts), so they are the names above the highest code any imported study uses (every
 * image's view is a bit of its study's facet row); removing only those leaves no hole in 1..n.
 */
export async function dropUnusedViews(client: pg.ClientBase): Promise<number> {
  const r = await client.query(
    `WITH used AS (SELECT coalesce(bit_or(view_bits), 0) AS bits FROM mimic_study_facet)
     DELETE FROM mimic_view
     WHERE code > coalesce((SELECT max(v.code) FROM mimic_view v, used WHERE v.code <= ${MAX_VIEW_CODE} AND (used.bits & (1::bigint << v.code)) <> 0), 0)`,
  );
  return r.rowCount ?? 0;
}

/**
 * What an import that died left: its row still "running" (becomes failed, with a message), its
 * never-attached tables, the view names it added. The caller holds IMPORT_LOCK, so none of it is live.
 */
export async function recoverAbandonedImports(client: pg.ClientBase): Promise<{ imports: string[] }> {
  const rows = await client.query<{ id: string }>(
    "UPDATE mimic_imports SET status = 'failed', phase = 'failed', finished_at = now(), error = $1 WHERE status = 'running' RETURNING id",
    [ABANDONED_MESSAGE],
  );
  await dropOrphanPartitions(client);
  await dropUnusedViews(client);
  return { imports: rows.rows.map((r) => r.id) };
}

/**
 * For a worker or web server starting, or a steward starting an import: recovers abandoned imports
 * when no import is running (null when one is: it holds the lock, and its own start recovers).
 */
export async function recoverAbandonedImportsIfIdle(databaseUrl = getEnv().DATABASE_URL): Promise<{ imports: string[] } | null> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("BEGIN");
    // The transaction-level lock conflicts with a live import's session-level one.
    const got = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_xact_lock($1) AS ok", [IMPORT_LOCK]);
    if (!got.rows[0]!.ok) {
      await client.query("ROLLBACK");
      return null;
    }
    const recovered = await recoverAbandonedImports(client);
    await client.query("COMMIT");
    return recovered;
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    await client.end().catch(() => {});
  }
}
