import path from "node:path";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";

/** The name of the database in `url`. */
export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

/** Runs `body` on a connection to the same server's `postgres` database (to create, drop or watch others). */
export async function withAdminClient<T>(url: string, body: (client: pg.Client) => Promise<T>): Promise<T> {
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

/** Creates the database named in `url` on its server if it does not exist yet. */
export async function ensureDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  if (!/^[A-Za-z0-9_\-]+$/.test(name)) throw new Error(`labgate: refusing unusual database name ${JSON.stringify(name)}`);
  await withAdminClient(url, async (client) => {
    const found = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (found.rowCount === 0) await client.query(`create database "${name}"`);
  });
}

export async function dropDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  await withAdminClient(url, (client) => client.query(`drop database if exists "${name}" with (force)`));
}

// Any fixed number: one migrator at a time per database.
const MIGRATE_LOCK = 0x6c61626d;

/**
 * Several `npm start`s of one installation (app machines started together) may migrate at once:
 * drizzle's migrator takes no lock, so both would apply the same file and one would fail. A session
 * advisory lock makes the second wait and then find nothing left to do.
 */
export async function runMigrations(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATE_LOCK]);
    await migrate(drizzle(client), { migrationsFolder: path.resolve("db/migrations") });
  } finally {
    await client.end();
  }
}

export async function canConnect(url: string): Promise<boolean> {
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}
