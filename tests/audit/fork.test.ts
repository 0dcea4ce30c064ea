import { readFile } from "node:fs/promises";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog } from "@/db/schema";
import { benchAuditSwitchOn, recordAudit } from "@/lib/audit/record";
import { verifyAuditChain } from "@/lib/audit/verify";
import { getDb } from "@/lib/db/client";
import { isolatedDatabaseForFile } from "../support/isolated-database";

// Its own database: the chain is verified whole, and one test drops and remakes the unique index.
isolatedDatabaseForFile();

async function duplicatePrevHashes(): Promise<number> {
  const r = await getDb().execute<{ n: number }>(sql`select count(*)::int as n from (select prev_hash from audit_log group by prev_hash having count(*) > 1) d`);
  return r.rows[0]!.n;
}

describe("audit chain under concurrent appends", () => {
  it("60 parallel recordAudit(getDb(), …) through the pool leave one unforked chain", async () => {
    const db = getDb();
    const before = (await verifyAuditChain(db)) as { checked: number };
    await Promise.all(Array.from({ length: 60 }, (_, i) => recordAudit(db, { action: "test.parallel", details: { i } })));
    expect(await duplicatePrevHashes()).toBe(0);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true, checked: before.checked + 60 });
  });

  it("mixes pool appends with appends inside action transactions (savepoints) without a fork", async () => {
    const db = getDb();
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        i % 2 === 0
          ? recordAudit(db, { action: "test.pool", details: { i } })
          : db.transaction(async (tx) => {
              await recordAudit(tx, { action: "test.tx", details: { i, first: true } });
              await recordAudit(tx, { action: "test.tx", details: { i, second: true } });
            }),
      ),
    );
    expect(await duplicatePrevHashes()).toBe(0);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true });
  });

  it("writes concurrent pool appends together (a group commit), chained in the order they were asked", async () => {
    const db = getDb();
    const before = (await verifyAuditChain(db)) as { checked: number };
    const written = await Promise.all(Array.from({ length: 40 }, (_, i) => recordAudit(db, { action: "test.grouped", details: { i } })));
    expect(written.map((w) => w.id)).toEqual([...written.map((w) => w.id)].sort((a, b) => a - b));
    const rows = await db.execute<{ i: number; tx: string }>(sql`select (details->>'i')::int as i, xmin::text as tx from audit_log where action = 'test.grouped' order by id`);
    expect(rows.rows.map((r) => r.i)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    // Fewer transactions than rows: the ones asked while the first was being written went in together.
    expect(new Set(rows.rows.map((r) => r.tx)).size).toBeLessThan(rows.rows.length);
    expect(await duplicatePrevHashes()).toBe(0);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true, checked: before.checked + 40 });
  });

  it("a row that cannot be written fails alone: the rows asked with it are written", async () => {
    const db = getDb();
    const before = (await verifyAuditChain(db)) as { checked: number };
    // A details value PostgreSQL's jsonb cannot hold (a NUL character) makes that row's INSERT fail.
    const settled = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => recordAudit(db, { action: "test.grouped-bad", details: i === 15 ? { bad: "\u0000" } : { i } })));
    expect(settled.map((s) => s.status === "rejected")).toEqual(Array.from({ length: 30 }, (_, i) => i === 15));
    const rows = await db.execute<{ i: number }>(sql`select (details->>'i')::int as i from audit_log where action = 'test.grouped-bad' order by id`);
    expect(rows.rows.map((r) => r.i)).toEqual(Array.from({ length: 30 }, (_, i) => i).filter((i) => i !== 15));
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true, checked: before.checked + 29 });
  });

  it("refuses a second child of a row written directly in SQL (unique prev_hash)", async () => {
    const db = getDb();
    const { id } = await recordAudit(db, { action: "test.parent" });
    const [row] = await db.select().from(auditLog).where(sql`id = ${id}`);
    const fork = db.execute(
      sql`insert into audit_log (at, action, outcome, details, prev_hash, hash) values (now(), 'test.fork', 'ok', '{}', ${row!.prevHash}, ${"f".repeat(64)})`,
    );
    await expect(fork).rejects.toMatchObject({ cause: expect.objectContaining({ code: "23505", constraint: "audit_log_prev_hash_key" }) });
    // On a log without forks the migration made the index over every row.
    const index = await db.execute<{ def: string }>(sql`select indexdef as def from pg_indexes where indexname = 'audit_log_prev_hash_key'`);
    expect(index.rows[0]!.def).not.toContain("WHERE");
  });

  it("migration 0009 applies to a log that already forked: keeps the old fork visible, refuses new ones", async () => {
    const db = getDb();
    // Recreate the state of an install that ran the forking code: no index, and two children of one row.
    await db.execute(sql`drop index audit_log_prev_hash_key`);
    const { id } = await recordAudit(db, { action: "test.before-fork" });
    const [row] = await db.select().from(auditLog).where(sql`id = ${id}`);
    await db.execute(
      sql`insert into audit_log (at, action, outcome, details, prev_hash, hash) values (now(), 'test.old-fork', 'ok', '{}', ${row!.prevHash}, ${"e".repeat(64)})`,
    );
    const forkedHead = (await db.execute<{ id: string }>(sql`select max(id) as id from audit_log`)).rows[0]!.id;

    await db.execute(sql.raw(await readFile("db/migrations/0009_audit-prev-hash-unique.sql", "utf8")));

    const index = await db.execute<{ def: string }>(sql`select indexdef as def from pg_indexes where indexname = 'audit_log_prev_hash_key'`);
    expect(index.rows[0]!.def).toContain(`WHERE (id > ${forkedHead})`);
    // History is not rewritten: verify still names the old fork.
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, brokenId: Number(forkedHead) });
    // New appends still chain (each links to the head), and a new fork is refused.
    await Promise.all(Array.from({ length: 20 }, (_, i) => recordAudit(db, { action: "test.after-migration", details: { i } })));
    const head = (await db.execute<{ prev_hash: string }>(sql`select prev_hash from audit_log order by id desc limit 1`)).rows[0]!.prev_hash;
    const fork = db.execute(sql`insert into audit_log (at, action, outcome, details, prev_hash, hash) values (now(), 'test.fork', 'ok', '{}', ${head}, ${"d".repeat(64)})`);
    await expect(fork).rejects.toMatchObject({ cause: expect.objectContaining({ code: "23505" }) });
  });
});

describe("the bench's auditing-off switch", () => {
  it("is honoured only with the test clock gate and on a bench database, never by a real install", () => {
    const bench = { LABGATE_BENCH_NO_AUDIT: "1", LABGATE_TEST_CLOCK: "1", DATABASE_URL: "postgres://postgres@127.0.0.1:54339/labgate_bench_1796520000000" };
    expect(benchAuditSwitchOn(bench)).toBe(true);
    expect(benchAuditSwitchOn({ ...bench, LABGATE_TEST_CLOCK: undefined })).toBe(false);
    expect(benchAuditSwitchOn({ ...bench, LABGATE_BENCH_NO_AUDIT: "true" })).toBe(false);
    for (const url of ["postgres://u@h/labgate", "postgres://u@h/labgate_bench_x", "postgres://u@h/labgate_bench_1/../labgate", "postgres://u@h/prod?x=/labgate_bench_1"]) {
      expect(benchAuditSwitchOn({ ...bench, DATABASE_URL: url }), url).toBe(false);
    }
    // This test process is not a bench: its appends are recorded.
    expect(benchAuditSwitchOn(process.env)).toBe(false);
  });
});
