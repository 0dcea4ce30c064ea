import path from "node:path";
import { dropDatabase, ensureDatabase, runMigrations } from "@/scripts/lib/database";
import { resolveDatabaseServer, type DatabaseServer } from "@/scripts/lib/database-server";

/**
 * A fresh database per run. `npm test` passes one in LABGATE_TEST_DATABASE_URL; run alone, vitest
 * makes its own on DATABASE_URL's server or on the embedded test cluster, and drops it afterwards.
 */
export default async function setup({ provide }: { provide: (key: "databaseUrl", value: string) => void }) {
  let server: DatabaseServer | null = null;
  let url = process.env.LABGATE_TEST_DATABASE_URL;
  const own = !url;
  if (!url) {
    server = await resolveDatabaseServer({ dataDir: path.resolve("data/postgres-test"), port: 54339, quiet: true });
    url = server.url(`labgate_vitest_${Date.now()}_${process.pid}`);
    await ensureDatabase(url);
    await runMigrations(url);
  }
  provide("databaseUrl", url);
  return async () => {
    if (own) await dropDatabase(url);
    await server?.stop();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}
