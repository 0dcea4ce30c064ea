import path from "node:path";
import { canConnect } from "./database";
import { startEmbeddedPostgres, type EmbeddedServer } from "./embedded-postgres";

export type DatabaseServer = { url: (database: string) => string; stop: () => Promise<void>; embedded: boolean };

/**
 * DATABASE_URL's server when it is set; otherwise an embedded PostgreSQL under ./data. `database`
 * replaces the database name of DATABASE_URL only when asked to (tests make fresh databases).
 */
export async function resolveDatabaseServer(opts: { dataDir: string; port: number; quiet?: boolean }): Promise<DatabaseServer> {
  const configured = process.env.DATABASE_URL;
  if (configured) {
    if (!(await canConnect(configured))) throw new Error(`labgate: cannot connect to the PostgreSQL server in DATABASE_URL (${redact(configured)})`);
    return {
      embedded: false,
      url: (database) => {
        const u = new URL(configured);
        u.pathname = `/${database}`;
        return u.toString();
      },
      stop: async () => {},
    };
  }
  if (!opts.quiet) console.log(`labgate: starting embedded PostgreSQL in ${path.relative(process.cwd(), opts.dataDir) || "."} on port ${opts.port}`);
  const server: EmbeddedServer = await startEmbeddedPostgres({ dataDir: opts.dataDir, port: opts.port });
  return { ...server, embedded: true };
}

export function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return u.toString();
}
