import path from "node:path";
import { ensureAppRole } from "./app-role";
import { canConnect, ensureDatabase, runMigrations } from "./database";
import { resolveDatabaseServer } from "./database-server";
import { ensureAuthSecret, loadDotEnv } from "./runtime-env";

/**
 * For command-line tools: DATABASE_URL when set; else the embedded database `npm start` uses — the
 * running one if it is up, or started here for the duration of the command. Migrations are applied
 * either way, so a tool never meets an older schema. The tool then works as the app does, as the
 * app's restricted role (DATABASE_URL is switched to it): tables an import builds belong to the app,
 * which must be able to rebuild them later.
 */
export async function connectScriptDatabase(): Promise<{ stop: () => Promise<void> }> {
  loadDotEnv();
  ensureAuthSecret();
  const port = Number(process.env.EMBEDDED_PG_PORT ?? 54329);
  let stop = async () => {};
  if (!process.env.DATABASE_URL) {
    const running = `postgres://postgres:postgres@127.0.0.1:${port}/labgate`;
    if (await canConnect(running)) process.env.DATABASE_URL = running;
    else {
      const server = await resolveDatabaseServer({ dataDir: path.resolve("data/postgres"), port });
      process.env.DATABASE_URL = server.url("labgate");
      stop = server.stop;
    }
  }
  await ensureDatabase(process.env.DATABASE_URL);
  await runMigrations(process.env.DATABASE_URL);
  process.env.DATABASE_URL = await ensureAppRole(process.env.DATABASE_URL);
  return { stop };
}
