import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { afterEach, describe, expect, inject, it } from "vitest";
import * as schema from "@/db/schema";
import { auditRowHash, type AuditContent } from "@/lib/audit/canonical";
import { checkpointKey, readAuditCheckpoints } from "@/lib/audit/checkpoint";
import { deriveAuditSigningKey } from "@/lib/audit/checkpoint-key";
import { writeAuditCheckpoint } from "@/lib/audit/checkpoint-write";
import { recordAudit } from "@/lib/audit/record";
import { verifyAuditLog } from "@/lib/audit/verify";
import type { Db } from "@/lib/db/client";
import { listFolderKeys, type FileStorage } from "@/lib/storage/file-storage";
import { createLocalStorage } from "@/lib/storage/local-storage";
import { dropDatabase, ensureDatabase, runMigrations } from "@/scripts/lib/database";
import { endPoolAndWait } from "../support/end-pool";

// Every test tampers with its log, so each gets a database and a lab storage of its own.
const key = deriveAuditSigningKey({ nextauthSecret: "checkpoint-test-secret-0123456789abcdef" });
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function freshLab(): Promise<{ db: Db; pool: pg.Pool; storage: FileStorage; dir: string }> {
  const u = new URL(inject("databaseUrl"));
  u.pathname = `/labgate_ckpt_${process.pid}_${randomUUID().slice(0, 8)}`;
  const url = u.toString();
  await ensureDatabase(url);
  await runMigrations(url);
  const pool = new pg.Pool({ connectionString: url, max: 6 });
  const dir = await mkdtemp(path.join(os.tmpdir(), "labgate-ckpt-"));
  cleanups.push(async () => {
    await endPoolAndWait(pool);
    await dropDatabase(url);
    await rm(dir, { recursive: true, force: true });
  });
  return { db: drizzle(pool, { schema }), pool, storage: createLocalStorage({ root: dir }), dir };
}

async function append(db: Db, n: number, action = "test.row") {
  for (let i = 0; i < n; i++) await recordAudit(db, { action, details: { i } });
}

/** As a superuser: statements run with the append-only triggers disabled. */
async function asSuperuser(pool: pg.Pool, body: (c: pg.PoolClient) => Promise<void>) {
  const client = await pool.connect();
  try {
    await client.query("begin");
    await client.query("set local session_replication_role = replica");
    await body(client);
    await client.query("commit");
  } catch (e) {
    await client.query("rollback");
    throw e;
  } finally {
    client.release();
  }
}

/** Recomputes every prev_hash and hash from the first row on, as a careful forger would. */
async function rehashWholeTable(client: pg.PoolClient) {
  const { rows } = await client.query("select * from audit_log order by id");
  let prev = "0".repeat(64);
  // The unique prev_hash index would see a transient duplicate while rows are rewritten one by one.
  await client.query("drop index audit_log_prev_hash_key");
  for (const r of rows) {
    const content: AuditContent = {
      id: Number(r.id),
      at: (r.at as Date).toISOString(),
      labId: r.lab_id,
      actorId: r.actor_id,
      actorEmail: r.actor_email,
      action: r.action,
      targetType: r.target_type,
      targetId: r.target_id,
      outcome: r.outcome,
      ip: r.ip,
      details: r.details,
    };
    const hash = auditRowHash(prev, content);
    await client.query("update audit_log set prev_hash = $1, hash = $2 where id = $3", [prev, hash, r.id]);
    prev = hash;
  }
  await client.query("create unique index audit_log_prev_hash_key on audit_log (prev_hash)");
}

const verify = (lab: { db: Db; storage: FileStorage }) => verifyAuditLog(lab.db, { storage: lab.storage, publicKey: key.publicKey });

describe("signed audit checkpoints", () => {
  it("anchor the head in lab storage, audit their own writing, and verify", async () => {
    const lab = await freshLab();
    await append(lab.db, 5);
    const first = await writeAuditCheckpoint({ db: lab.db, storage: lab.storage, key, source: "test" });
    await append(lab.db, 3);
    const second = await writeAuditCheckpoint({ db: lab.db, storage: lab.storage, key, source: "test" });
    // The checkpoint signs its own audit.checkpoint row, the head once that row was committed.
    expect(first).toMatchObject({ lastId: 6, rowCount: 6 });
    expect(second).toMatchObject({ lastId: 10, rowCount: 10 });
    const rows = await lab.pool.query("select id, action, hash, details from audit_log where action = 'audit.checkpoint' order by id");
    expect(rows.rows.map((r) => Number(r.id))).toEqual([6, 10]);
    expect(rows.rows[1].hash).toBe(second.headHash);
    expect(rows.rows[0].details).toMatchObject({ keyFingerprint: key.fingerprint });
    expect(await listFolderKeys(lab.storage, "audit-checkpoints")).toEqual([checkpointKey(6), checkpointKey(10)]);
    const report = await verify(lab);
    expect(report).toMatchObject({ ok: true, chain: { ok: true, checked: 10, checkpoints: 2 }, badCheckpoints: [], latest: { lastId: 10 } });
  });

  it("checkpoints taken while dozens of requests append stay consistent with the chain", async () => {
    const lab = await freshLab();
    await Promise.all([
      ...Array.from({ length: 60 }, (_, i) => recordAudit(lab.db, { action: "test.parallel", details: { i } })),
      ...Array.from({ length: 4 }, () => writeAuditCheckpoint({ db: lab.db, storage: lab.storage, key, source: "test" })),
    ]);
    const report = await verify(lab);
    expect(report).toMatchObject({ ok: true, chain: { ok: true, checked: 64, checkpoints: 4 } });
  });

  it("detect a row whose content was changed with the triggers disabled", async () => {
    const lab = await freshLab();
    await append(lab.db, 4);
    await writeAuditCheckpoint({ db: lab.db, storage: lab.storage, key, source: "test" });
    await asSuperuser(lab.pool, (c) => c.query(`update audit_log set details = '{"i": 99}' where id = 2`).then(() => {}));
    const report = await verify(lab);
    expect(report.ok).toBe(false);
    expect(report.chain).toMatchObject({ ok: false, brokenId: 2, reason: expect.stringMatching(/altered/) });
  });

  it("detect a deleted row", async () => {
    const lab = await freshLab();
    await append(lab.db, 4);
    await asSuperuser(lab.pool, (c) => c.query("delete from audit_log where id = 2").then(() => {}));
    const report = await verify(lab);
    expect(report.chain).toMatchObject({ ok: false, brokenId: 3, reason: expect.stringMatching(/removed/) });
  });

  it("detect a table rewritten with the triggers disabled and every hash recomputed", async () => {
    const lab = await freshLab();
    await append(lab.db, 6);
    await writeAuditCheckpoint({ db: lab.db, storage: lab.storage, key, source: "test" });
    await append(lab.db, 2);
    // Row 3 goes, row 5 says something else, and the chain is made whole again.
    await asSuperuser(lab.pool, async (c) => {
      await c.query("delete from audit_log where id = 3");
      await c.query(`update audit_log set action = 'test.innocent' where id = 5`);
      await rehashWholeTable(c);
    });
    const report = await verify(lab);
    expect(report.ok).toBe(false);
    // The chain alone would pass; the checkpoint at row 7 names the rewrite.
    expect(report.chain).toMatchObject({ ok: false, brokenId: 7, checkpoint: checkpointKey(7), reason: expect.stringMatching(/rewritten/) });
  });

  it("detect a deleted tail that reaches back to a checkpoint", async () => {
    const lab = await freshLab();
    await append(lab.db, 3);
    await writeAuditCheckpoint({ db: lab.db, storage: lab.storage, key, source: "test" }); // row 4
    await append(lab.db, 3);
    // Rows after the newest checkpoint are anchored by the next one only: their loss is not visible yet.
    await asSuperuser(lab.pool, (c) => c.query("delete from audit_log where id >= 5").then(() => {}));
    expect((await verify(lab)).chain).toMatchObject({ ok: true });
    await asSuperuser(lab.pool, (c) => c.query("delete from audit_log where id >= 4").then(() => {}));
    const report = await verify(lab);
    expect(report.chain).toMatchObject({ ok: false, brokenId: 4, reason: expect.stringMatching(/tail was deleted/) });
  });

  it("report a checkpoint file that was altered, signed by another key, or deleted", async () => {
    const lab = await freshLab();
    await append(lab.db, 2);
    const a = await writeAuditCheckpoint({ db: lab.db, storage: lab.storage, key, source: "test" });
    const b = await writeAuditCheckpoint({ db: lab.db, storage: lab.storage, key, source: "test" });
    const c = await writeAuditCheckpoint({ db: lab.db, storage: lab.storage, key, source: "test" });

    // Altered: a forger moves the anchor to a rewritten head.
    const altered = JSON.parse((await lab.storage.get(checkpointKey(a.lastId)))!.toString());
    altered.headHash = "a".repeat(64);
    await lab.storage.put(checkpointKey(a.lastId), Buffer.from(JSON.stringify(altered)));
    // Signed by another key: a forger with their own key pair.
    const other = deriveAuditSigningKey({ nextauthSecret: "someone-elses-secret-0123456789abcdef" });
    const { signCheckpoint } = await import("@/lib/audit/checkpoint");
    await lab.storage.put(checkpointKey(b.lastId), Buffer.from(JSON.stringify(signCheckpoint(b, other))));

    const read = await readAuditCheckpoints({ storage: lab.storage, publicKey: key.publicKey });
    expect(read.problems).toEqual([
      { key: checkpointKey(a.lastId), reason: expect.stringMatching(/signature does not verify/) },
      { key: checkpointKey(b.lastId), reason: expect.stringMatching(/another key/) },
    ]);
    const report = await verify(lab);
    expect(report.ok).toBe(false);
    expect(report.badCheckpoints).toHaveLength(2);

    // Deleted: the log recorded the checkpoint, storage no longer has it.
    await lab.storage.delete(checkpointKey(c.lastId));
    const afterDelete = await verify(lab);
    expect(afterDelete.chain).toMatchObject({ ok: false, brokenId: c.lastId, reason: expect.stringMatching(/missing from lab storage/) });
  });
});
