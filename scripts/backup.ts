/**
 * `npm run backup -- --to DIR`: a consistent copy of labgate's database and a manifest of lab
 * storage (docs/decisions/023). Embedded server (no DATABASE_URL): a base backup of its data
 * directory with pg_backup_start/pg_backup_stop, while it runs (started here if it is not).
 * DATABASE_URL: pg_dump of that database. Lab storage itself is copied by the lab (rsync, S3
 * versioning), or put into DIR/storage with --with-storage; the manifest lets `npm run restore` prove
 * the copy matches. Exit 0: written; 1: failed.
 */
import { getEnv } from "@/lib/env";
import { getStorage } from "@/lib/storage/get-storage";
import { embeddedOwner, loadSecrets, parseCli } from "./lib/backup/cli-env";
import { runBackup } from "./lib/backup/run-backup";

try {
  const cli = parseCli("to");
  const embedded = !process.env.DATABASE_URL;
  const owner = embedded ? await embeddedOwner(cli) : { url: process.env.DATABASE_URL!, stop: async () => {} };
  try {
    process.env.DATABASE_URL = owner.url;
    loadSecrets();
    const env = getEnv();
    const info = await runBackup({
      to: cli.dir,
      ownerUrl: owner.url,
      dataDir: embedded ? cli.dataDir : undefined,
      storage: getStorage(),
      localStorageDir: env.LABGATE_STORAGE_BACKEND === "local" ? env.LABGATE_STORAGE_DIR : undefined,
      withStorage: cli.withStorage,
      log: (line) => console.log(line),
    });
    const db = info.kind === "embedded" ? `data directory (${info.database.files} files, ${info.database.walSegments} WAL segments, ${info.database.startLsn}..${info.database.stopLsn})` : `pg_dump (${info.database.tool})`;
    console.log(`backup written to ${cli.dir}: ${info.kind} PostgreSQL ${info.serverVersion}, ${db}; storage manifest: ${info.storage.files} files, ${info.storage.bytes} bytes`);
    console.log(`not in the backup: ${info.storage.copy ? "" : "lab storage's files (copy them yourself, or use --with-storage) and "}the secrets (NEXTAUTH_SECRET, LABGATE_SECRET_KEY, LABGATE_AUDIT_SIGNING_KEY; keep them apart)`);
  } finally {
    await owner.stop();
  }
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
}
