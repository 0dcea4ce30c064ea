/** `npm run audit:verify`: walks the audit log's hash chain and names the first broken row. */
import { closeDb, getDb } from "@/lib/db/client";
import { verifyAuditChain } from "@/lib/audit/verify";
import { loadDotEnv } from "./lib/runtime-env";

loadDotEnv();
if (!process.env.DATABASE_URL) {
  console.error("labgate: set DATABASE_URL to the database to verify (with the embedded default: postgres://postgres:postgres@127.0.0.1:54329/labgate while npm start runs)");
  process.exit(2);
}
process.env.NEXTAUTH_SECRET ??= "x".repeat(32); // not used here, but lib/env validates it
const result = await verifyAuditChain(getDb());
await closeDb();
if (result.ok) {
  console.log(`audit log OK: ${result.checked} rows, chain head ${result.lastHash.slice(0, 16)}…`);
} else {
  console.error(`audit log BROKEN at row id ${result.brokenId}: ${result.reason} (${result.checked} rows before it verified)`);
  process.exit(1);
}
