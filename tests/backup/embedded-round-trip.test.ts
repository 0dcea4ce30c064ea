// npm run backup / npm run restore for the embedded server: a base backup (pg_backup_start /
// pg_backup_stop and the WAL) taken while a writer keeps appending audit rows, restored into a new
// data directory, where PostgreSQL replays the WAL and the chain verifies: a prefix of the source's
// chain that holds at least every row committed before the backup began.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import * as schema from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { createLab } from "@/lib/factories";
import { createLocalStorage } from "@/lib/storage/local-storage";
import { ensureDatabase, runMigrations } from "@/scripts/lib/database";
import { startEmbeddedPostgres, type EmbeddedServer } from "@/scripts/lib/embedded-postgres";
import { endPoolAndWait } from "../support/end-pool";
import { npmRun } from "./cli";

const work = mkdtempSync(path.join(os.tmpdir(), "labgate-backup-emb-"));
// As root the server runs as the `postgres` user, which must reach its data directory.
chmodSync(work, 0o755);
const storageDir = path.join(work, "storage");
const servers: EmbeddedServer[] = [];

afterAll(async () => {
  for (const s of servers) await s.stop().catch(() => {});
  rmSync(work, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

type Row = { id: number; hash: string };
async function chain(url: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>("select id::int, hash from audit_log order by id")).rows;
  } finally {
    await client.end();
  }
}

describe("npm run backup / restore with the embedded server", () => {
  it("takes a consistent base backup while audit rows are being written, and restores it into an empty data directory", { timeout: 300_000 }, async () => {
    const sourceDir = path.join(work, "source");
    const port = await freePort();
    const server = await startEmbeddedPostgres({ dataDir: sourceDir, port });
    servers.push(server);
    const url = server.url("labgate");
    await ensureDatabase(url);
    await runMigrations(url);
    const pool = new pg.Pool({ connectionString: url, max: 6 });
    const db = drizzle(pool, { schema });
    const lab = await createLab(db);

    // Debian's pg_dump 15 cannot dump this PostgreSQL 18 server: refused by name, before anything is written.
    const viaDump = await npmRun("backup", ["--to", path.join(work, "dump")], { DATABASE_URL: url, LABGATE_STORAGE_DIR: storageDir });
    expect(viaDump.out).toMatch(/the server is PostgreSQL 18[.\d]*; pg_dump must be version 18 or newer, but .*pg_dump is 15/);
    expect(viaDump.code).toBe(1);
    for (let i = 0; i < 30; i++) await recordAudit(db, { action: "test.before", labId: lab.id, details: { i } });
    mkdirSync(storageDir, { recursive: true });
    await createLocalStorage({ root: storageDir }).put("datasets/x/files/one.txt", Buffer.from("one"));
    const committedBefore = await chain(url);

    // Writers append (and make a table to drop: a relation that vanishes mid-copy) until the backup ends.
    let writing = true;
    let written = 0;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      while (writing) {
        await recordAudit(db, { action: "test.during", labId: lab.id, details: { w, n: written } });
        written++;
        if (written % 25 === 0) await pool.query(`create table if not exists scratch_${w} (x int); drop table scratch_${w}`);
      }
    });
    const backupDir = path.join(work, "backup");
    const env = { DATABASE_URL: undefined, LABGATE_STORAGE_BACKEND: "local", LABGATE_STORAGE_DIR: storageDir };
    const backup = await npmRun("backup", ["--to", backupDir, "--data-dir", sourceDir, "--port", String(port)], env);
    writing = false;
    await Promise.all(writers);
    expect(backup.out).toMatch(/backup written to .*embedded PostgreSQL 18.*data directory \(\d+ files, \d+ WAL segments/);
    expect(backup.code).toBe(0);
    expect(written).toBeGreaterThan(0);
    const info = JSON.parse(readFileSync(path.join(backupDir, "backup.json"), "utf8"));
    expect(info).toMatchObject({ kind: "embedded", database: { file: "postgres" }, storage: { files: 1 } });
    expect(readFileSync(path.join(backupDir, "postgres", "backup_label"), "utf8")).toMatch(/START WAL LOCATION/);
    expect(existsSync(path.join(backupDir, "postgres", "postmaster.pid"))).toBe(false);
    const sourceChain = await chain(url);
    // A restore refuses while a server answers on the port it would start on, and touches nothing.
    const restoredDir = path.join(work, "restored");
    const busy = await npmRun("restore", ["--from", backupDir, "--data-dir", restoredDir, "--port", String(port)], env);
    expect(busy.code).toBe(1);
    expect(busy.out).toMatch(/a PostgreSQL server is running on port/);
    expect(existsSync(restoredDir)).toBe(false);
    await endPoolAndWait(pool);
    await server.stop();

    const restorePort = await freePort();
    // With the server stopped, backup starts it for the copy and stops it again.
    const whileStopped = await npmRun("backup", ["--to", path.join(work, "backup-stopped"), "--data-dir", sourceDir, "--port", String(restorePort)], env);
    expect(whileStopped.out).toMatch(/backup written to .*embedded PostgreSQL 18/);
    expect(whileStopped.code).toBe(0);
    expect(existsSync(path.join(sourceDir, "postmaster.pid"))).toBe(false);

    // A restore never lands on a data directory in use.
    const refused = await npmRun("restore", ["--from", backupDir, "--data-dir", sourceDir, "--port", String(restorePort)], env);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/is not empty; restore only into an empty or absent one/);

    const restore = await npmRun("restore", ["--from", backupDir, "--data-dir", restoredDir, "--port", String(restorePort)], env);
    expect(restore.out).toMatch(/storage OK: 1 files match/);
    expect(restore.out).toMatch(/audit log OK: \d+ rows/);
    expect(restore.code).toBe(0);

    const again = await startEmbeddedPostgres({ dataDir: restoredDir, port: restorePort });
    servers.push(again);
    const restoredChain = await chain(again.url("labgate"));
    // Every row committed before the backup began, and the backup's own row.
    expect(restoredChain.length).toBeGreaterThan(committedBefore.length);
    expect(restoredChain.slice(0, committedBefore.length)).toEqual(committedBefore);
    // Nothing but a prefix of the source's chain: no row lost in the middle, none invented.
    expect(restoredChain).toEqual(sourceChain.slice(0, restoredChain.length));
    const client = new pg.Client({ connectionString: again.url("labgate") });
    await client.connect();
    const backupRows = (await client.query("select 1 from audit_log where action = 'ops.backup'")).rowCount;
    await client.end();
    expect(backupRows).toBe(1);

    // audit:verify as the README shows it, on the restored server.
    const verify = await npmRun("audit:verify", [], { ...env, DATABASE_URL: again.url("labgate") });
    expect(verify.out).toMatch(new RegExp(`audit log OK: ${restoredChain.length} rows`));
    expect(verify.code).toBe(0);
  });
});
