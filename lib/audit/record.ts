import "server-only";
import { desc, sql } from "drizzle-orm";
import { auditLog } from "@/db/schema";
import type { DbOrTx, Tx } from "@/lib/db/client";
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
 * exists exactly when the action happened; called with the pool, it opens a transaction of its own.
 * Either way the append runs inside a transaction (a savepoint when given one), so the advisory lock
 * that serialises writers is held until that transaction ends and the next writer reads this row as
 * the head. A bare pool query would release the lock at once and let two appends read the same head
 * (a fork); the unique index on prev_hash (migration 0009) refuses one if it ever happens anyway.
 */
export async function recordAudit(db: DbOrTx, event: AuditEvent): Promise<{ id: number; hash: string }> {
  if (auditOffForBench()) return { id: 0, hash: GENESIS_HASH };
  return db.transaction((tx) => appendAuditRow(tx, event));
}

/** The append itself; `tx` must be a transaction (recordAudit makes sure of it). */
export async function appendAuditRow(tx: Tx, event: AuditEvent): Promise<{ id: number; hash: string }> {
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);
  const [last] = await tx.select({ hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.id)).limit(1);
  const prevHash = last?.hash ?? GENESIS_HASH;
  const idResult = await tx.execute<{ id: string }>(sql`select nextval(pg_get_serial_sequence('audit_log', 'id')) as id`);
  const id = Number(idResult.rows[0]!.id);
  const content: AuditContent = {
    id,
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
  await tx.insert(auditLog).values({ ...content, at: new Date(content.at), prevHash, hash });
  return { id, hash };
}
