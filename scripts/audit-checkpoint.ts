/**
 * `npm run audit:checkpoint`: signs the audit chain's current head and writes the checkpoint to lab
 * storage now (the worker does the same every 10 minutes). Run it with the app's environment: the
 * same NEXTAUTH_SECRET or LABGATE_AUDIT_SIGNING_KEY and the same lab storage.
 */
import { auditSigningKey } from "@/lib/audit/checkpoint-key";
import { writeAuditCheckpoint } from "@/lib/audit/checkpoint-write";
import { closeDb, getDb } from "@/lib/db/client";
import { getStorage } from "@/lib/storage/get-storage";
import { ensureAuthSecret, loadDotEnv } from "./lib/runtime-env";

loadDotEnv();
if (!process.env.DATABASE_URL) {
  console.error("labgate: set DATABASE_URL to the app's database (with the embedded default: postgres://postgres:postgres@127.0.0.1:54329/labgate while npm start runs)");
  process.exit(2);
}
ensureAuthSecret();
try {
  const key = auditSigningKey();
  const file = await writeAuditCheckpoint({ db: getDb(), storage: getStorage(), key, source: "cli" });
  console.log(`audit checkpoint written: row id ${file.lastId}, ${file.rowCount} rows, head ${file.headHash.slice(0, 16)}…, key ${key.fingerprint}`);
} catch (e) {
  console.error(`labgate: could not write the audit checkpoint: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
} finally {
  await closeDb();
}
