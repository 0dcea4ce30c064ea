import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, inject } from "vitest";
import { closeDb } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { databaseName, dropDatabase, ensureDatabase, runMigrations, withAdminClient } from "@/scripts/lib/database";

/**
 * Points this test file's getDb() at a database of its own, migrated before the tests and dropped
 * after them. For what acts on every lab at once (the daily sweep, the mail sender, download workers
 * that take every queued job): in the shared test database it would act on other files' rows, and
 * other files' rows would disturb its counts.
 * Call it at the top of the file, before any other hook touches the database.
 */
export function isolatedDatabaseForFile(): { url: () => string } {
  let isolated = "";
  beforeAll(async () => {
    const url = new URL(inject("databaseUrl"));
    url.pathname = `/labgate_iso_${process.pid}_${randomUUID().slice(0, 8)}`;
    isolated = url.toString();
    await ensureDatabase(isolated);
    await runMigrations(isolated);
    await closeDb();
    process.env.DATABASE_URL = isolated;
    if (getEnv().DATABASE_URL !== isolated) throw new Error("the environment was read before the isolated database was set up");
  });
  afterAll(async () => {
    await closeDb();
    if (!isolated) return;
    await waitForDisconnects(isolated);
    await dropDatabase(isolated);
  });
  return { url: () => isolated };
}

// pg's Pool.end() resolves before its sockets are closed; a forced DROP DATABASE would kill those
// backends mid-goodbye and the dying clients would throw. Wait until they are gone (up to 10 s).
async function waitForDisconnects(url: string): Promise<void> {
  const name = databaseName(url);
  await withAdminClient(url, async (client) => {
    for (let i = 0; i < 100; i++) {
      const r = await client.query<{ n: number }>("select count(*)::int as n from pg_stat_activity where datname = $1", [name]);
      if (r.rows[0]!.n === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
}
