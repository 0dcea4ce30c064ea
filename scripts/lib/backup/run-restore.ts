import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { KeyObject } from "node:crypto";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "@/db/schema";
import { verifyAuditChain, verifyAuditLog, type VerifyResult } from "@/lib/audit/verify";
import type { FileStorage } from "@/lib/storage/file-storage";
import { placeDataDirectory } from "./data-directory";
import { findPgTool, serverMajor } from "./pg-tools";
import { BACKUP_FORMAT, type BackupInfo } from "./run-backup";
import { checkStorageManifest, type ManifestMismatch } from "./storage-manifest";

export function readBackupInfo(from: string): BackupInfo {
  const file = path.join(from, "backup.json");
  if (!existsSync(file)) throw new Error(`labgate: ${from} holds no backup.json; is it a directory written by npm run backup?`);
  const info = JSON.parse(readFileSync(file, "utf8")) as BackupInfo;
  if (info.format !== BACKUP_FORMAT) throw new Error(`labgate: ${file} is not a ${BACKUP_FORMAT} backup`);
  return info;
}

/** Embedded: the backup's data directory into an empty or absent `dataDir`; the server replays its WAL on start. */
export async function restoreDataDirectory(from: string, info: BackupInfo, dataDir: string): Promise<void> {
  if (info.kind !== "embedded") throw new Error("labgate: this backup is a pg_dump of an external server; restore it with DATABASE_URL set to an empty database");
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) throw new Error(`labgate: the data directory ${dataDir} is not empty; restore only into an empty or absent one (move the old one aside first)`);
  await placeDataDirectory(path.join(from, info.database.file), dataDir);
}

/** External: refuses a database with tables in public, then pg_restore as the URL's role. */
export async function restoreDump(from: string, info: BackupInfo, ownerUrl: string): Promise<void> {
  if (info.kind !== "external") throw new Error("labgate: this backup is the embedded server's data directory; restore it without DATABASE_URL (into an empty data directory)");
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const r = await client.query<{ n: number }>("select count(*)::int as n from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'p')");
    if (r.rows[0]!.n > 0) throw new Error(`labgate: the database ${new URL(ownerUrl).pathname.slice(1)} already has ${r.rows[0]!.n} tables; restore only into an empty database`);
  } finally {
    await client.end();
  }
  const tool = findPgTool("pg_restore", await serverMajor(ownerUrl));
  // Owners and grants name roles of the old server; the owner here takes everything, and
  // ensureAppRole then hands the app its rights again.
  const r = spawnSync(tool, ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--dbname", ownerUrl, path.join(from, info.database.file)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`labgate: pg_restore failed: ${(r.stderr || r.error?.message || "").trim()}`);
}

export type RestoreCheck = {
  storage: { checked: number; mismatches: ManifestMismatch[]; manifestIntact: boolean };
  audit: { chain: VerifyResult; badCheckpoints: { key: string; reason: string }[]; checkpointsChecked: boolean };
  ok: boolean;
};

/** The restored database and lab storage against the backup: every manifest entry, the audit chain and its checkpoints. */
export async function checkRestore(opts: { from: string; info: BackupInfo; ownerUrl: string; storage: FileStorage; publicKey: KeyObject | null }): Promise<RestoreCheck> {
  const storage = await checkStorageManifest(opts.storage, path.join(opts.from, opts.info.storage.manifest), opts.info.storage.sha256);
  const pool = new pg.Pool({ connectionString: opts.ownerUrl, max: 2 });
  try {
    const db = drizzle(pool, { schema });
    let audit: RestoreCheck["audit"];
    if (opts.publicKey) {
      const report = await verifyAuditLog(db, { storage: opts.storage, publicKey: opts.publicKey });
      audit = { chain: report.chain, badCheckpoints: report.badCheckpoints, checkpointsChecked: true };
    } else {
      audit = { chain: await verifyAuditChain(db), badCheckpoints: [], checkpointsChecked: false };
    }
    const ok = storage.mismatches.length === 0 && storage.manifestIntact && audit.chain.ok && audit.badCheckpoints.length === 0;
    return { storage, audit, ok };
  } finally {
    await pool.end();
  }
}

export function describeRestoreCheck(check: RestoreCheck, print: { out: (s: string) => void; err: (s: string) => void }): void {
  const { storage, audit } = check;
  if (!storage.manifestIntact) print.err("storage manifest ALTERED: its sha256 is not the one backup.json recorded");
  for (const m of storage.mismatches) print.err(`storage MISMATCH: ${m.key}: ${m.problem}`);
  if (storage.mismatches.length === 0) print.out(`storage OK: ${storage.checked} files match the manifest (size and sha256)`);
  else print.err(`storage: ${storage.mismatches.length} of ${storage.checked} files do not match the manifest`);
  if (audit.chain.ok) print.out(`audit log OK: ${audit.chain.checked} rows, chain head ${audit.chain.lastHash.slice(0, 16)}…, ${audit.chain.checkpoints} checkpoints verified`);
  else print.err(`audit log BROKEN at row id ${audit.chain.brokenId}: ${audit.chain.reason} (${audit.chain.checked} rows before it verified)`);
  for (const bad of audit.badCheckpoints) print.err(`audit checkpoint BROKEN: ${bad.key}: ${bad.reason}`);
  if (!audit.checkpointsChecked) print.out("checkpoints NOT checked: no NEXTAUTH_SECRET or LABGATE_AUDIT_SIGNING_KEY (run with the app's environment)");
}
