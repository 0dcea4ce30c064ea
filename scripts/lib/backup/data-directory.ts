import { spawnSync } from "node:child_process";
import { chmod, chown, copyFile, mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type pg from "pg";

// PostgreSQL's low-level base backup ("Making a Base Backup Using the Low Level API"): the data
// directory is copied between pg_backup_start and pg_backup_stop on one connection, backup_label is
// written from what pg_backup_stop returns, and the WAL written meanwhile goes into the copy's
// pg_wal. A temporary physical replication slot, made first on the same connection, keeps the
// server from recycling that WAL while the copy runs (it goes when the connection ends).

/** Left out of the copy, as the documentation lists: recreated empty, or meaningless in a copy. */
const SKIP_FILES = new Set(["postmaster.pid", "postmaster.opts", "backup_label", "tablespace_map", "backup_label.old", "tablespace_map.old", "backup_manifest"]);
const EMPTY_DIRS = new Set(["pg_wal", "pg_replslot", "pg_dynshmem", "pg_notify", "pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans"]);

async function copyTree(from: string, to: string, top: boolean): Promise<number> {
  await mkdir(to, { recursive: true, mode: 0o700 });
  let entries;
  try {
    entries = await readdir(from, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw e;
  }
  let n = 0;
  for (const entry of entries) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (top && SKIP_FILES.has(entry.name)) continue;
    if (entry.name.startsWith("pgsql_tmp")) continue;
    if (entry.isDirectory()) {
      if (top && EMPTY_DIRS.has(entry.name)) {
        await mkdir(dst, { mode: 0o700 });
        if (entry.name === "pg_wal") await mkdir(path.join(dst, "archive_status"), { mode: 0o700 });
        continue;
      }
      n += await copyTree(src, dst, false);
    } else if (entry.isFile()) {
      try {
        await copyFile(src, dst);
        n++;
      } catch (e) {
        // A relation dropped during the copy: its removal is in the WAL that is replayed.
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
    }
  }
  return n;
}

export type BaseBackupResult = { files: number; walSegments: number; startLsn: string; stopLsn: string };

/** A consistent copy of a running server's data directory into `dest` (which must not exist yet). */
export async function copyRunningDataDirectory(client: pg.Client, dataDir: string, dest: string): Promise<BaseBackupResult> {
  await client.query("select pg_create_physical_replication_slot($1, true, true)", [`labgate_backup_${process.pid}`]);
  const start = await client.query<{ lsn: string }>("select pg_backup_start('labgate', true)::text as lsn");
  let files: number;
  try {
    files = await copyTree(dataDir, dest, true);
  } catch (e) {
    await client.query("select pg_backup_stop(false)").catch(() => {});
    throw e;
  }
  const stop = await client.query<{ lsn: string; labelfile: string; spcmapfile: string | null }>("select lsn::text, labelfile, spcmapfile from pg_backup_stop(false)");
  const { lsn, labelfile, spcmapfile } = stop.rows[0]!;
  await writeFile(path.join(dest, "backup_label"), labelfile, { mode: 0o600 });
  if (spcmapfile) await writeFile(path.join(dest, "tablespace_map"), spcmapfile, { mode: 0o600 });
  // Every segment present now: they reach from before the backup's start to past its end.
  const walSegments = await copyWal(path.join(dataDir, "pg_wal"), path.join(dest, "pg_wal"));
  return { files, walSegments, startLsn: start.rows[0]!.lsn, stopLsn: lsn };
}

async function copyWal(from: string, to: string): Promise<number> {
  let n = 0;
  for (const name of await readdir(from)) {
    if (!/^[0-9A-F]{24}$/.test(name) && !/^[0-9A-F]{8}\.history$/.test(name)) continue;
    try {
      await copyFile(path.join(from, name), path.join(to, name));
      n++;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }
  return n;
}

/** Copies a backup's data directory into place: mode 0700, owned by the user the server runs as. */
export async function placeDataDirectory(from: string, dataDir: string): Promise<void> {
  await copyTree(from, dataDir, false);
  await chmod(dataDir, 0o700);
  if (process.getuid?.() === 0) {
    // As root the embedded server runs as the `postgres` system user (scripts/lib/embedded-postgres.ts).
    const id = (flag: string) => Number(spawnSync("id", [flag, "postgres"], { encoding: "utf8" }).stdout.trim());
    const uid = id("-u");
    const gid = id("-g");
    if (Number.isInteger(uid) && uid > 0) await chownTree(dataDir, uid, gid);
  }
}

async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await chown(dir, uid, gid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(p, uid, gid);
    else await chown(p, uid, gid);
  }
}
