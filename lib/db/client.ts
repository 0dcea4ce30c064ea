import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "@/db/schema";
import { getEnv } from "@/lib/env";

export type Db = NodePgDatabase<typeof schema>;
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
export type DbOrTx = Db | Tx;

// One pool per process; kept on globalThis so Next's dev reloads don't leak connections.
const g = globalThis as unknown as { labgatePool?: pg.Pool; labgateDb?: Db };

export function getDb(): Db {
  if (!g.labgateDb) {
    g.labgatePool = new pg.Pool({ connectionString: getEnv().DATABASE_URL, max: 10 });
    g.labgateDb = drizzle(g.labgatePool, { schema });
  }
  return g.labgateDb;
}

/** The pool behind getDb(), for what Drizzle does not speak: COPY streams (pg-copy-streams). */
export function getPool(): pg.Pool {
  getDb();
  return g.labgatePool!;
}

export async function closeDb(): Promise<void> {
  await g.labgatePool?.end();
  g.labgatePool = undefined;
  g.labgateDb = undefined;
}
