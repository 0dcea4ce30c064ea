import { spawnSync } from "node:child_process";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import * as schema from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { createLab } from "@/lib/factories";
import { dropDatabase, ensureDatabase, runMigrations } from "@/scripts/lib/database";

// Its own database: tampering with the shared one would break the chain under the other test files.
const url = (() => {
  const u = new URL(inject("databaseUrl"));
  u.pathname = `${u.pathname}_tamper`;
  return u.toString();
})();
let pool: pg.Pool;

beforeAll(async () => {
  await ensureDatabase(url);
  await runMigrations(url);
  pool = new pg.Pool({ connectionString: url, max: 2 });
});
afterAll(async () => {
  await pool.end();
  await dropDatabase(url);
});

function auditVerify() {
  const r = spawnSync(process.execPath, ["node_modules/tsx/dist/cli.mjs", "scripts/audit-verify.ts"], { env: { ...process.env, DATABASE_URL: url }, encoding: "utf8" });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe("npm run audit:verify", () => {
  it("passes on an intact chain and names the first row altered directly in SQL", async () => {
    const db = drizzle(pool, { schema });
    const lab = await createLab(db);
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push((await db.transaction((tx) => recordAudit(tx, { action: "test.tamper", labId: lab.id, details: { i } }))).id);
    const ok = auditVerify();
    expect(ok.out).toMatch(/audit log OK: 3 rows/);
    expect(ok.code).toBe(0);

    // A superuser can bypass the triggers (session_replication_role); the hash chain still tells.
    const client = await pool.connect();
    try {
      await client.query("begin; set local session_replication_role = replica");
      await client.query(`update audit_log set details = '{"i": 99}' where id = $1`, [ids[1]]);
      await client.query("commit");
    } finally {
      client.release();
    }
    const broken = auditVerify();
    expect(broken.code).toBe(1);
    expect(broken.out).toContain(`BROKEN at row id ${ids[1]}`);
    expect(broken.out).toMatch(/altered/);
  });
});
