import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import * as schema from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { createLab } from "@/lib/factories";
import { dropDatabase, ensureDatabase, runMigrations } from "@/scripts/lib/database";
import { endPoolAndWait } from "./support/end-pool";

// Its own database: tampering with the shared one would break the chain under the other test files.
const url = (() => {
  const u = new URL(inject("databaseUrl"));
  u.pathname = `${u.pathname}_tamper`;
  return u.toString();
})();
let pool: pg.Pool;
// Lab storage of its own for the checkpoints the CLI writes and reads.
const storageDir = mkdtempSync(path.join(os.tmpdir(), "labgate-audit-cli-"));

beforeAll(async () => {
  await ensureDatabase(url);
  await runMigrations(url);
  pool = new pg.Pool({ connectionString: url, max: 2 });
});
afterAll(async () => {
  await endPoolAndWait(pool);
  await dropDatabase(url);
  rmSync(storageDir, { recursive: true, force: true });
});

// As package.json runs them: server code, so with the react-server condition.
function runScript(script: string) {
  const r = spawnSync(process.execPath, ["--conditions=react-server", "--import", "tsx", script], {
    env: { ...process.env, DATABASE_URL: url, LABGATE_STORAGE_DIR: storageDir, LABGATE_STORAGE_BACKEND: "local" },
    encoding: "utf8",
  });
  return { code: r.status, out: r.stdout + r.stderr };
}
const auditVerify = () => runScript("scripts/audit-verify.ts");

// Each CLI run starts a Node process with tsx: seconds each on a busy machine.
describe("npm run audit:verify", { timeout: 180_000 }, () => {
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

  it("checks the signed checkpoints `npm run audit:checkpoint` wrote, and names one that was altered", async () => {
    const written = runScript("scripts/audit-checkpoint.ts");
    expect(written.out).toMatch(/audit checkpoint written: row id \d+/);
    expect(written.code).toBe(0);
    const id = Number(/row id (\d+)/.exec(written.out)![1]);
    const file = path.join(storageDir, "audit-checkpoints", `${String(id).padStart(16, "0")}.json`);
    const signed = JSON.parse(readFileSync(file, "utf8"));
    expect(signed).toMatchObject({ format: "labgate-audit-checkpoint/1", lastId: id, headHash: expect.stringMatching(/^[0-9a-f]{64}$/) });

    // The chain broke in the previous test; the checkpoint file is what this one looks at.
    signed.rowCount += 1;
    writeFileSync(file, JSON.stringify(signed));
    const broken = auditVerify();
    expect(broken.code).toBe(1);
    expect(broken.out).toContain(`audit checkpoint BROKEN: audit-checkpoints/${String(id).padStart(16, "0")}.json: signature does not verify`);
  });
});
