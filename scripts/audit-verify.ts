/**
 * `npm run audit:verify`: walks the audit log's hash chain, checks every signed checkpoint in lab
 * storage against it, and names what broke. Exit 0: intact; 1: broken; 2: cannot run.
 */
import { closeDb, getDb } from "@/lib/db/client";
import { auditSigningKey } from "@/lib/audit/checkpoint-key";
import { verifyAuditChain, verifyAuditLog } from "@/lib/audit/verify";
import { getStorage } from "@/lib/storage/get-storage";
import { loadDotEnv, loadKeptAuthSecret } from "./lib/runtime-env";

loadDotEnv();
if (!process.env.DATABASE_URL) {
  console.error("labgate: set DATABASE_URL to the database to verify (with the embedded default: postgres://postgres:postgres@127.0.0.1:54329/labgate while npm start runs)");
  process.exit(2);
}
const hasKey = loadKeptAuthSecret();
// Without the app's secret there is no public key to check checkpoints with; the chain is still walked.
process.env.NEXTAUTH_SECRET ??= "x".repeat(32);

if (!hasKey) {
  const result = await verifyAuditChain(getDb());
  await closeDb();
  if (!result.ok) {
    console.error(`audit log BROKEN at row id ${result.brokenId}: ${result.reason} (${result.checked} rows before it verified)`);
    process.exit(1);
  }
  console.log(`audit log OK: ${result.checked} rows, chain head ${result.lastHash.slice(0, 16)}…`);
  console.log("checkpoints NOT checked: no NEXTAUTH_SECRET or LABGATE_AUDIT_SIGNING_KEY (run with the app's environment)");
  process.exit(0);
}

const key = auditSigningKey();
const report = await verifyAuditLog(getDb(), { storage: getStorage(), publicKey: key.publicKey });
await closeDb();
const { chain } = report;
if (chain.ok) {
  console.log(`audit log OK: ${chain.checked} rows, chain head ${chain.lastHash.slice(0, 16)}…`);
} else {
  console.error(`audit log BROKEN at row id ${chain.brokenId}: ${chain.reason} (${chain.checked} rows before it verified)`);
}
for (const bad of report.badCheckpoints) console.error(`audit checkpoint BROKEN: ${bad.key}: ${bad.reason}`);
if (report.latest) {
  const good = chain.ok ? chain.checkpoints : "";
  console.log(`checkpoints (key ${key.fingerprint}): ${good ? `${good} verified, ` : ""}newest at row id ${report.latest.lastId} (${report.latest.at})`);
} else if (report.badCheckpoints.length === 0) {
  console.log(`checkpoints (key ${key.fingerprint}): none in lab storage yet (the worker writes one every 10 minutes; npm run audit:checkpoint writes one now)`);
}
process.exit(report.ok ? 0 : 1);
