import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { round, type Measure } from "../harness";

const N = 3000;

// The price of the hash chain: one audited action's row vs a plain INSERT of the same row into an
// unindexed copy of the table, each in its own transaction, one writer, same database and run.
export const auditAppend: Measure = {
  name: "audit.append",
  description: "hash-chained audit row per transaction vs plain INSERT",
  async run({ databaseUrl, log }) {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    const db = drizzle(pool, { schema });
    try {
      await pool.query("create table if not exists bench_audit_plain (like audit_log including defaults excluding indexes excluding constraints)");
      await pool.query("truncate bench_audit_plain");
      const details = { email: "someone@example.org", role: "member" };

      const t0 = performance.now();
      for (let i = 0; i < N; i++) {
        const c = await pool.connect();
        try {
          await c.query("begin");
          await c.query(
            "insert into bench_audit_plain (id, at, action, outcome, details, prev_hash, hash) values ($1, now(), 'bench', 'ok', $2, $3, $4)",
            [i, JSON.stringify({ ...details, i }), "0".repeat(64), i.toString(16).padStart(64, "0")],
          );
          await c.query("commit");
        } finally {
          c.release();
        }
      }
      const baselineMs = performance.now() - t0;

      const t1 = performance.now();
      for (let i = 0; i < N; i++) await db.transaction((tx) => recordAudit(tx, { action: "bench.append", details: { ...details, i } }));
      const labgateMs = performance.now() - t1;
      log(`audit.append: ${N} rows in ${round(labgateMs)} ms vs ${round(baselineMs)} ms plain`);
      return {
        ratio: round(labgateMs / baselineMs),
        rows_per_s: round((N / labgateMs) * 1000, 0),
        baseline_rows_per_s: round((N / baselineMs) * 1000, 0),
        n: N,
      };
    } finally {
      await pool.query("drop table if exists bench_audit_plain");
      await pool.end();
    }
  },
};
