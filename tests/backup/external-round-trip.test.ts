// npm run backup / npm run restore against an external server (DATABASE_URL): pg_dump, then
// pg_restore into a fresh database, checked with the audit chain, its signed checkpoints and the
// storage manifest; a file changed in lab storage after the backup is named.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import * as schema from "@/db/schema";
import { deriveAuditSigningKey } from "@/lib/audit/checkpoint-key";
import { writeAuditCheckpoint } from "@/lib/audit/checkpoint-write";
import { recordAudit } from "@/lib/audit/record";
import { createLab, createUser } from "@/lib/factories";
import { createLocalStorage } from "@/lib/storage/local-storage";
import { dropDatabase, ensureDatabase, runMigrations } from "@/scripts/lib/database";
import { npmRun } from "./cli";
import { endPoolAndWait } from "../support/end-pool";

const dbUrl = (suffix: string) => {
  const u = new URL(inject("databaseUrl"));
  u.pathname = `${u.pathname}_${suffix}`;
  return u.toString();
};
const source = dbUrl("bksrc");
const targets = [dbUrl("bkdst"), dbUrl("bkdst2"), dbUrl("bkdst3")];
const work = mkdtempSync(path.join(os.tmpdir(), "labgate-backup-ext-"));
const storageDir = path.join(work, "storage");
const backupDir = path.join(work, "backup");
const storageEnv = { LABGATE_STORAGE_BACKEND: "local", LABGATE_STORAGE_DIR: storageDir };
let pool: pg.Pool;

beforeAll(async () => {
  for (const url of [source, ...targets]) await dropDatabase(url);
  await ensureDatabase(source);
  await runMigrations(source);
  pool = new pg.Pool({ connectionString: source, max: 4 });
});
afterAll(async () => {
  if (pool) await endPoolAndWait(pool);
  for (const url of [source, ...targets]) await dropDatabase(url);
  rmSync(work, { recursive: true, force: true });
});

const TABLES = ["labs", "users", "audit_log"];
async function counts(url: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const out: Record<string, number> = {};
    for (const t of TABLES) out[t] = (await client.query<{ n: number }>(`select count(*)::int as n from ${t}`)).rows[0]!.n;
    return out;
  } finally {
    await client.end();
  }
}

describe("npm run backup / restore with DATABASE_URL", () => {
  it("round-trips the database through pg_dump and pg_restore with the audit chain, its checkpoints and every stored file verified", { timeout: 180_000 }, async () => {
    const db = drizzle(pool, { schema });
    const storage = createLocalStorage({ root: storageDir });
    const lab = await createLab(db);
    const admin = await createUser(db, { labId: lab.id, role: "admin" });
    await createUser(db, { labId: lab.id, role: "member" });
    // Concurrent appends, as the app makes them.
    await Promise.all(Array.from({ length: 20 }, (_, i) => recordAudit(db, { action: "test.backup", labId: lab.id, actor: { id: admin.id, email: admin.email }, details: { i } })));
    await storage.put("datasets/demo/files/a.txt", Buffer.from("first file"));
    await storage.put("datasets/demo/files/sub/b.bin", Buffer.alloc(300_000, 7));
    await storage.put("trainings/x.pdf", Buffer.from("%PDF-1.4 citi"));
    const key = deriveAuditSigningKey({ nextauthSecret: process.env.NEXTAUTH_SECRET! });
    await writeAuditCheckpoint({ db, storage, key, source: "test" });

    const backup = await npmRun("backup", ["--to", backupDir], { DATABASE_URL: source, ...storageEnv });
    expect(backup.out).toMatch(/backup written to .*external PostgreSQL 15/);
    expect(backup.code).toBe(0);
    const info = JSON.parse(readFileSync(path.join(backupDir, "backup.json"), "utf8"));
    // Three files plus the checkpoint.
    expect(info).toMatchObject({ format: "labgate-backup/1", kind: "external", database: { file: "database.dump" }, storage: { files: 4 } });
    const manifest = readFileSync(path.join(backupDir, "storage-manifest.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(manifest.map((m) => m.key)).toEqual(["audit-checkpoints/" + manifest[0].key.split("/")[1], "datasets/demo/files/a.txt", "datasets/demo/files/sub/b.bin", "trainings/x.pdf"]);
    expect(manifest[2]).toMatchObject({ size: 300_000, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    // A second backup into the same directory is refused: a backup never overwrites another. It only
    // reads the directory, so it runs beside the restore (each CLI start costs seconds on a busy machine).
    const [again, restore] = await Promise.all([
      npmRun("backup", ["--to", backupDir], { DATABASE_URL: source, ...storageEnv }),
      npmRun("restore", ["--from", backupDir], { DATABASE_URL: targets[0], ...storageEnv }),
    ]);
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/not empty/);

    expect(restore.out).toMatch(/storage OK: 4 files match/);
    expect(restore.out).toMatch(/audit log OK: \d+ rows, chain head [0-9a-f]{16}…, 1 checkpoints verified/);
    expect(restore.code).toBe(0);
    const before = await counts(source);
    const after = await counts(targets[0]!);
    expect(after).toEqual(before);
    // The backup recorded itself before the dump, so the copy holds that row.
    const restored = new pg.Client({ connectionString: targets[0] });
    await restored.connect();
    const actions = (await restored.query<{ action: string; n: number }>("select action, count(*)::int as n from audit_log group by action order by action")).rows;
    await restored.end();
    expect(actions).toEqual([
      { action: "audit.checkpoint", n: 1 },
      { action: "ops.backup", n: 1 },
      { action: "test.backup", n: 20 },
    ]);

    // As the README tells a lab to check afterwards; beside it, a restore never lands on a database
    // that has tables (refused before it writes anything).
    const [verify, onto] = await Promise.all([
      npmRun("audit:verify", [], { DATABASE_URL: targets[0], ...storageEnv }),
      npmRun("restore", ["--from", backupDir], { DATABASE_URL: targets[0], ...storageEnv }),
    ]);
    expect(verify.out).toMatch(/audit log OK/);
    expect(verify.out).toMatch(/checkpoints \(key [^)]+\): 1 verified/);
    expect(verify.code).toBe(0);

    expect(onto.code).toBe(1);
    expect(onto.out).toMatch(/already has \d+ tables; restore only into an empty database/);
  });

  it("names a stored file changed after the backup and exits 1", { timeout: 120_000 }, async () => {
    writeFileSync(path.join(storageDir, "datasets", "demo", "files", "a.txt"), "first fil3");
    const restore = await npmRun("restore", ["--from", backupDir], { DATABASE_URL: targets[1], ...storageEnv });
    expect(restore.out).toMatch(/storage MISMATCH: datasets\/demo\/files\/a\.txt: sha256 /);
    expect(restore.out).toMatch(/1 of 4 files do not match/);
    expect(restore.code).toBe(1);
  });

  it("with --with-storage, copies lab storage's files into the backup and puts them back into empty storage", { timeout: 180_000 }, async () => {
    const withFiles = path.join(work, "backup-with-storage");
    const backup = await npmRun("backup", ["--to", withFiles, "--with-storage"], { DATABASE_URL: source, ...storageEnv });
    expect(backup.code).toBe(0);
    expect(readFileSync(path.join(withFiles, "storage", "datasets", "demo", "files", "a.txt"), "utf8")).toBe("first fil3");

    // Into storage that already holds files: refused before the database is touched.
    const onto = await npmRun("restore", ["--from", withFiles, "--with-storage"], { DATABASE_URL: targets[2], ...storageEnv });
    expect(onto.code).toBe(1);
    expect(onto.out).toMatch(/lab storage already holds 4 files; restore --with-storage only into empty storage/);

    const emptyStorage = path.join(work, "storage-restored");
    const restore = await npmRun("restore", ["--from", withFiles, "--with-storage"], { DATABASE_URL: targets[2], LABGATE_STORAGE_BACKEND: "local", LABGATE_STORAGE_DIR: emptyStorage });
    expect(restore.out).toMatch(/4 files put back into lab storage/);
    expect(restore.out).toMatch(/storage OK: 4 files match/);
    // The checkpoint came back with the files and still verifies against the restored chain.
    expect(restore.out).toMatch(/1 checkpoints verified/);
    expect(restore.code).toBe(0);
    expect(readFileSync(path.join(emptyStorage, "datasets", "demo", "files", "sub", "b.bin"))).toEqual(Buffer.alloc(300_000, 7));
  });
});
