import "server-only";
import { sql } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import { auditLog } from "@/db/schema";
import type { Db, DbOrTx, Tx } from "@/lib/db/client";
import { now } from "@/lib/clock";
import { auditRowHash, GENESIS_HASH, type AuditContent } from "./canonical";
import { log } from "@/lib/log/logger";


export type AuditEvent = {
  action: string;
  outcome?: "ok" | "denied" | "failed";
  labId?: string | null;
  actor?: { id: string; email: string } | null;
  actorEmail?: string | null;
  target?: { type: string; id: string } | null;
  ip?: string | null;
  details?: Record<string, unknown>;
};

// Any fixed number works; it only has to be the same for every writer of the chain.
const AUDIT_CHAIN_LOCK = 7_414_253_001;

/**
 * The "auditing off" baseline of `npm run bench -- audit.concurrent`: the same requests without their
 * audit row, to price the row. Never honoured by a real install: it takes the test-only clock gate
 * (LABGATE_TEST_CLOCK=1) AND a database named like the bench's throwaway ones (labgate_bench_<ms>),
 * and says so on stderr when it is on.
 */
export function benchAuditSwitchOn(env: Record<string, string | undefined>): boolean {
  const database = (env.DATABASE_URL ?? "").replace(/[?#].*$/, "").split("/").at(-1) ?? "";
  return env.LABGATE_BENCH_NO_AUDIT === "1" && env.LABGATE_TEST_CLOCK === "1" && /^labgate_bench_\d+$/.test(database);
}
let benchOff: boolean | undefined;
function auditOffForBench(): boolean {
  if (benchOff === undefined) {
    benchOff = benchAuditSwitchOn(process.env);
    if (benchOff) log().warn("AUDITING IS OFF (bench baseline: LABGATE_BENCH_NO_AUDIT on a labgate_bench_* database)");
  }
  return benchOff;
}

/**
 * Appends one hash-chained row. Call it with the transaction of the action it records so the row
 * exists exactly when the action happened; called with the pool, the row is written in a transaction
 * of its own (shared with the other rows this process is writing at that moment, see below) and the
 * promise resolves once it is committed. Either way the append runs inside a transaction (a savepoint
 * when given one), so the advisory lock that serialises writers is held until that transaction ends
 * and the next writer reads this row as the head. A bare pool query would release the lock at once
 * and let two appends read the same head (a fork); the unique index on prev_hash (migration 0009)
 * refuses one if it ever happens anyway.
 */
export async function recordAudit(db: DbOrTx, event: AuditEvent): Promise<{ id: number; hash: string }> {
  if (auditOffForBench()) return { id: 0, hash: GENESIS_HASH };
  if (db instanceof PgTransaction) return db.transaction((tx) => appendAuditRows(tx, [event]).then((r) => r[0]!));
  return appendThroughPool(db as Db, event);
}

/** The append itself; `tx` must be a transaction (recordAudit makes sure of it). */
export async function appendAuditRow(tx: Tx, event: AuditEvent): Promise<{ id: number; hash: string }> {
  return (await appendAuditRows(tx, [event]))[0]!;
}

// Every request of a busy app writes a row, and the chain lock is held for the round trips of one
// append: one transaction per row made the lock the app's queue, each waiter holding a pool connection.
// Rows asked for through the pool while a transaction is writing are written together by the next one
// (a group commit): one lock, one head, one INSERT for all of them, chained in the order they were asked.
const MAX_ROWS_PER_APPEND = 100;
type Pending = { event: AuditEvent; resolve: (r: { id: number; hash: string }) => void; reject: (e: unknown) => void };
const waiting = new WeakMap<Db, { rows: Pending[]; writing: boolean }>();

function appendThroughPool(db: Db, event: AuditEvent): Promise<{ id: number; hash: string }> {
  let line = waiting.get(db);
  if (!line) waiting.set(db, (line = { rows: [], writing: false }));
  const done = new Promise<{ id: number; hash: string }>((resolve, reject) => line.rows.push({ event, resolve, reject }));
  if (!line.writing) void writeWaiting(db, line);
  return done;
}

async function writeWaiting(db: Db, line: { rows: Pending[]; writing: boolean }): Promise<void> {
  line.writing = true;
  try {
    while (line.rows.length) {
      const batch = line.rows.splice(0, MAX_ROWS_PER_APPEND);
      try {
        const written = await db.transaction((tx) => appendAuditRows(tx, batch.map((p) => p.event)));
        batch.forEach((p, i) => p.resolve(written[i]!));
      } catch (e) {
        if (batch.length === 1) batch[0]!.reject(e);
        // One row that cannot be written must not take the others with it: each alone, as before.
        else for (const p of batch) await db.transaction((tx) => appendAuditRows(tx, [p.event])).then((r) => p.resolve(r[0]!), p.reject);
      }
    }
  } finally {
    line.writing = false;
  }
}

/** Appends the rows in order, each chained to the one before; `tx` must be a transaction. */
async function appendAuditRows(tx: Tx, events: AuditEvent[]): Promise<{ id: number; hash: string }[]> {
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);
  // After the lock, in a statement of its own: its snapshot sees the row the previous holder committed.
  const head = await tx.execute<{ hash: string | null; ids: string[] }>(sql`
    select (select hash from audit_log order by id desc limit 1) as hash,
      array(select nextval(pg_get_serial_sequence('audit_log', 'id')) from generate_series(1, ${events.length})) as ids`);
  let prevHash = head.rows[0]!.hash ?? GENESIS_HASH;
  const ids = head.rows[0]!.ids.map(Number).sort((a, b) => a - b);
  const rows = events.map((event, i) => {
    const content: AuditContent = {
      id: ids[i]!,
      at: now().toISOString(),
      labId: event.labId ?? null,
      actorId: event.actor?.id ?? null,
      actorEmail: event.actor?.email ?? event.actorEmail ?? null,
      action: event.action,
      targetType: event.target?.type ?? null,
      targetId: event.target?.id ?? null,
      outcome: event.outcome ?? "ok",
      ip: event.ip ?? null,
      details: event.details ?? {},
    };
    const hash = auditRowHash(prevHash, content);
    const row = { ...content, at: new Date(content.at), prevHash, hash };
    prevHash = hash;
    return row;
  });
  await tx.insert(auditLog).values(rows);
  return rows.map((r) => ({ id: r.id, hash: r.hash }));
}
