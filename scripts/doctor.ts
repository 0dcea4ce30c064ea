/**
 * `npm run doctor`: checks what labgate depends on and prints each as ok / FAILED with the fix.
 * Exits 1 when anything failed. Reads only (no migration, no start-up of anything).
 */
import { ensureAuthSecret, loadDotEnv } from "./lib/runtime-env";

async function main(): Promise<number> {
  loadDotEnv();
  ensureAuthSecret();
  // The embedded default, as `npm start` runs it.
  process.env.DATABASE_URL ??= `postgres://postgres:postgres@127.0.0.1:${process.env.EMBEDDED_PG_PORT ?? 54329}/labgate`;
  const { getEnv } = await import("@/lib/env");
  const { getDb, closeDb } = await import("@/lib/db/client");
  const { getStorage } = await import("@/lib/storage/get-storage");
  const { runDoctor } = await import("@/lib/ops/doctor");
  try {
    const checks = await runDoctor({ db: getDb(), env: getEnv(), storage: getStorage() });
    const width = Math.max(...checks.map((c) => c.name.length));
    for (const c of checks) {
      const state = c.skipped ? "skipped" : c.ok ? "ok" : "FAILED";
      console.log(`${state.padEnd(7)} ${c.name.padEnd(width)}  ${c.detail}${!c.ok && c.fix ? `\n        ${" ".repeat(width)}  fix: ${c.fix}` : ""}`);
    }
    const failed = checks.filter((c) => !c.ok).length;
    console.log(failed === 0 ? "labgate doctor: everything checked is ok" : `labgate doctor: ${failed} check${failed === 1 ? "" : "s"} failed`);
    return failed === 0 ? 0 : 1;
  } finally {
    await closeDb();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`labgate doctor: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
