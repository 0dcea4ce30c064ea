import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import pg from "pg";

/** The server's major version (18 for 18.1). */
export async function serverMajor(url: string): Promise<{ major: number; version: string }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query<{ num: string; version: string }>("select current_setting('server_version_num') as num, current_setting('server_version') as version");
    return { major: Math.floor(Number(r.rows[0]!.num) / 10000), version: r.rows[0]!.version };
  } finally {
    await client.end();
  }
}

function toolMajor(bin: string): number | null {
  const r = spawnSync(bin, ["--version"], { encoding: "utf8" });
  const m = r.status === 0 ? /\(PostgreSQL\)\s+(\d+)/.exec(r.stdout) : null;
  return m ? Number(m[1]) : null;
}

/**
 * A pg_dump or pg_restore that can read the server: its major version at least the server's (an
 * older one refuses). LABGATE_PG_BIN_DIR first, then Debian's /usr/lib/postgresql/N/bin newest
 * first, then PATH.
 */
export function findPgTool(name: "pg_dump" | "pg_restore", server: { major: number; version: string }): string {
  const candidates: string[] = [];
  if (process.env.LABGATE_PG_BIN_DIR) candidates.push(path.join(process.env.LABGATE_PG_BIN_DIR, name));
  const debian = "/usr/lib/postgresql";
  if (existsSync(debian)) {
    for (const v of readdirSync(debian).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a))) candidates.push(path.join(debian, v, "bin", name));
  }
  candidates.push(name);
  const seen: string[] = [];
  for (const bin of candidates) {
    const major = toolMajor(bin);
    if (major === null) continue;
    if (major >= server.major) return bin;
    seen.push(`${bin} is ${major}`);
  }
  throw new Error(
    `labgate: the server is PostgreSQL ${server.version}; ${name} must be version ${server.major} or newer, but ${seen.length ? seen.join(", ") : `no ${name} was found`}. ` +
      `Install the PostgreSQL ${server.major} client tools (or set LABGATE_PG_BIN_DIR to their bin directory).`,
  );
}
