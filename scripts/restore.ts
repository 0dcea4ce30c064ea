/**
 * `npm run restore -- --from DIR`: brings back what `npm run backup` wrote, into an empty embedded
 * data directory (no DATABASE_URL; ./data/postgres or --data-dir) or an empty DATABASE_URL database,
 * then checks lab storage against the backup's manifest and the audit chain with its checkpoints.
 * Exit 0: restored and verified; 1: restored but a check failed, or the restore failed.
 */
import path from "node:path";
import { auditSigningKey } from "@/lib/audit/checkpoint-key";
import { getEnv } from "@/lib/env";
import { getStorage } from "@/lib/storage/get-storage";
import { ensureAppRole } from "./lib/app-role";
import { embeddedOwner, loadSecrets, parseCli } from "./lib/backup/cli-env";
import { checkRestore, describeRestoreCheck, readBackupInfo, restoreDataDirectory, restoreDump } from "./lib/backup/run-restore";
import { listAllObjects, putStorageCopy } from "./lib/backup/storage-manifest";
import { canConnect, ensureDatabase } from "./lib/database";

try {
  const cli = parseCli("from");
  const info = readBackupInfo(cli.dir);
  const embedded = !process.env.DATABASE_URL;
  // The embedded server's URL is fixed by its port; the environment (storage, secrets) is read once.
  process.env.DATABASE_URL ??= `postgres://postgres:postgres@127.0.0.1:${cli.port}/labgate`;
  const hasSecret = loadSecrets();
  const env = getEnv();
  const localRoot = env.LABGATE_STORAGE_BACKEND === "local" ? env.LABGATE_STORAGE_DIR : undefined;
  if (cli.withStorage) {
    if (!info.storage.copy) throw new Error("labgate: this backup holds no copy of lab storage (it was taken without --with-storage); bring the files back from the lab's own copy");
    const existing = await listAllObjects(getStorage(), localRoot);
    if (existing.length > 0) throw new Error(`labgate: lab storage already holds ${existing.length} files; restore --with-storage only into empty storage`);
  }
  let owner: { url: string; stop: () => Promise<void> };
  if (embedded) {
    if (await canConnect(`postgres://postgres:postgres@127.0.0.1:${cli.port}/postgres`)) throw new Error(`labgate: a PostgreSQL server is running on port ${cli.port}; stop npm start first (or give --port)`);
    await restoreDataDirectory(cli.dir, info, cli.dataDir);
    console.log(`labgate: data directory restored into ${cli.dataDir}; starting PostgreSQL to replay its WAL`);
    owner = await embeddedOwner({ ...cli, mustBeStopped: true });
  } else {
    owner = { url: process.env.DATABASE_URL!, stop: async () => {} };
    await ensureDatabase(owner.url);
    await restoreDump(cli.dir, info, owner.url);
    console.log("labgate: database restored with pg_restore");
  }
  try {
    if (!embedded) {
      if (hasSecret) await ensureAppRole(owner.url, { log: (line) => console.log(line) });
      else console.log("labgate: app role grants not applied (no NEXTAUTH_SECRET); npm start applies them");
    }
    if (cli.withStorage) {
      const n = await putStorageCopy({ storage: getStorage(), manifest: path.join(cli.dir, info.storage.manifest), copy: path.join(cli.dir, info.storage.copy!), localRoot });
      console.log(`labgate: ${n} files put back into lab storage`);
    }
    const check = await checkRestore({ from: cli.dir, info, ownerUrl: owner.url, storage: getStorage(), publicKey: hasSecret ? auditSigningKey(env).publicKey : null });
    describeRestoreCheck(check, { out: (s) => console.log(s), err: (s) => console.error(s) });
    if (!check.ok) process.exitCode = 1;
    else console.log(`restore of the backup of ${info.createdAt} verified`);
  } finally {
    await owner.stop();
  }
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
}
