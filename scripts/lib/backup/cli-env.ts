import path from "node:path";
import { parseArgs } from "node:util";
import { canConnect } from "../database";
import { startEmbeddedPostgres } from "../embedded-postgres";
import { loadDotEnv, loadKeptAuthSecret } from "../runtime-env";

export type CliOptions = { dir: string; dataDir: string; port: number; withStorage: boolean };

/** `--to DIR` / `--from DIR`, `--with-storage` (lab storage's files too), and for the embedded server `--data-dir` (./data/postgres) and `--port` (EMBEDDED_PG_PORT, 54329). */
export function parseCli(flag: "to" | "from"): CliOptions {
  const { values } = parseArgs({
    options: { [flag]: { type: "string" }, "data-dir": { type: "string" }, port: { type: "string" }, "with-storage": { type: "boolean" } },
    strict: true,
  });
  const dir = values[flag] as string | undefined;
  if (!dir) throw new Error(`labgate: give the backup directory: npm run ${flag === "to" ? "backup -- --to" : "restore -- --from"} DIR`);
  loadDotEnv();
  const port = Number((values.port as string | undefined) ?? process.env.EMBEDDED_PG_PORT ?? 54329);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`labgate: --port must be a port number`);
  return { dir: path.resolve(dir), dataDir: path.resolve((values["data-dir"] as string | undefined) ?? "data/postgres"), port, withStorage: values["with-storage"] === true };
}

/** The embedded server's owner URL on `port`; started here (and stopped by the caller) when it is not running. */
export async function embeddedOwner(opts: { dataDir: string; port: number; mustBeStopped?: boolean }): Promise<{ url: string; stop: () => Promise<void> }> {
  const url = `postgres://postgres:postgres@127.0.0.1:${opts.port}/labgate`;
  if (await canConnect(url)) {
    if (opts.mustBeStopped) throw new Error(`labgate: a PostgreSQL server is running on port ${opts.port}; stop npm start first (or give --port)`);
    return { url, stop: async () => {} };
  }
  const server = await startEmbeddedPostgres({ dataDir: opts.dataDir, port: opts.port });
  return { url: server.url("labgate"), stop: server.stop };
}

/**
 * The app's secret for checking checkpoints (as npm run audit:verify finds it). Without one the chain
 * is still walked; lab storage does not need it.
 */
export function loadSecrets(): boolean {
  const has = loadKeptAuthSecret();
  process.env.NEXTAUTH_SECRET ??= "x".repeat(32);
  return has;
}
