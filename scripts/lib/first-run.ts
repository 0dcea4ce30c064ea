import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "@/db/schema";

/**
 * The demo lab runs in the embedded first look (no DATABASE_URL) unless LABGATE_DEMO=0, and on a
 * lab's own server only with LABGATE_DEMO=1.
 */
export function isDemo(opts: { embedded: boolean }): boolean {
  if (process.env.LABGATE_DEMO === "1") return true;
  if (process.env.LABGATE_DEMO === "0") return false;
  return opts.embedded;
}

/** A one-time token for the first-run page while the installation has no user; null otherwise. */
export async function firstRunToken(url: string): Promise<string | null> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    const { issueSetupToken } = await import("@/lib/setup/first-run");
    return await issueSetupToken(drizzle(pool, { schema }));
  } finally {
    await pool.end();
  }
}
