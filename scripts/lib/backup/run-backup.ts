import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import type { FileStorage } from "@/lib/storage/file-storage";
import { copyRunningDataDirectory } from "./data-directory";
import { findPgTool, serverMajor } from "./pg-tools";
import { writeStorageManifest, type ManifestSummary } from "./storage-manifest";

export const BACKUP_FORMAT = "labgate-backup/1";

export type BackupInfo = {
  format: typeof BACKUP_FORMAT;
  labgateVersion: string;
  createdAt: string;
  kind: "embedded" | "external";
  serverVersion: string;
  database: { file: string; files?: number; walSegments?: number; startLsn?: string; stopLsn?: string; tool?: string };
  storage: { manifest: string; backend: string; copy: string | null } & ManifestSummary;
};

function labgateVersion(): string {
  return (JSON.parse(readFileSync(path.resolve("package.json"), "utf8")) as { version: string }).version;
}

/** An empty (or absent) directory to write into: a backup never overwrites another. */
export async function prepareEmptyDir(dir: string, what: string): Promise<void> {
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`labgate: ${what} ${dir} is not empty; give a new or empty directory`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

async function auditBackup(ownerUrl: string, details: Record<string, unknown>): Promise<void> {
  const pool = new pg.Pool({ connectionString: ownerUrl, max: 1 });
  try {
    await recordAudit(drizzle(pool, { schema }), { action: "ops.backup", details });
  } finally {
    await pool.end();
  }
}

/**
 * A backup into `to`: the database (embedded: a base backup of the data directory; external:
 * pg_dump) and a manifest of lab storage. `ownerUrl` is the owner's connection to the app's
 * database; `dataDir` is set for the embedded server (the server must be running on ownerUrl).
 */
export async function runBackup(opts: { to: string; ownerUrl: string; dataDir?: string; storage: FileStorage; localStorageDir?: string; withStorage?: boolean; log?: (line: string) => void }): Promise<BackupInfo> {
  const log = opts.log ?? (() => {});
  const to = path.resolve(opts.to);
  await prepareEmptyDir(to, "the backup directory");
  const server = await serverMajor(opts.ownerUrl);
  const kind = opts.dataDir ? "embedded" : "external";
  // Before anything is recorded: a pg_dump older than the server refuses to run.
  const dumpTool = opts.dataDir ? null : findPgTool("pg_dump", server);
  // Recorded first, so the backup holds the row saying it was taken.
  await auditBackup(opts.ownerUrl, { kind, to, serverVersion: server.version });

  let database: BackupInfo["database"];
  if (opts.dataDir) {
    const client = new pg.Client({ connectionString: opts.ownerUrl });
    await client.connect();
    try {
      log(`labgate: copying the embedded data directory (PostgreSQL ${server.version}, pg_backup_start/pg_backup_stop)`);
      const r = await copyRunningDataDirectory(client, opts.dataDir, path.join(to, "postgres"));
      database = { file: "postgres", ...r };
    } finally {
      await client.end();
    }
  } else {
    const tool = dumpTool!;
    log(`labgate: dumping the database with ${tool} (server PostgreSQL ${server.version})`);
    const r = spawnSync(tool, ["--format=custom", "--file", path.join(to, "database.dump"), "--dbname", opts.ownerUrl], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`labgate: pg_dump failed: ${(r.stderr || r.error?.message || "").trim()}`);
    database = { file: "database.dump", tool };
  }

  log(`labgate: hashing lab storage into storage-manifest.jsonl${opts.withStorage ? " and copying it into storage/" : ""}`);
  const summary = await writeStorageManifest(opts.storage, path.join(to, "storage-manifest.jsonl"), {
    localRoot: opts.localStorageDir,
    copyTo: opts.withStorage ? path.join(to, "storage") : undefined,
  });
  const info: BackupInfo = {
    format: BACKUP_FORMAT,
    labgateVersion: labgateVersion(),
    createdAt: new Date().toISOString(),
    kind,
    serverVersion: server.version,
    database,
    storage: { manifest: "storage-manifest.jsonl", backend: opts.storage.kind, copy: opts.withStorage ? "storage" : null, ...summary },
  };
  await writeFile(path.join(to, "backup.json"), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  return info;
}
