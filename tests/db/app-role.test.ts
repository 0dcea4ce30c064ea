import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as schema from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { defineJob, startJobRunner, stopJobRunner } from "@/lib/jobs/job-runner";
import { findDataset, importMimicDirectory } from "@/lib/mimic/import/import-directory";
import { appDatabaseUrl, ensureAppRole } from "@/scripts/lib/app-role";
import { runImportCli } from "@/scripts/lib/run-import-cli";
import { miniCxrFiles, miniJpgFiles, miniStudies, writeMini } from "@/tests/mimic/mini-mimic";
import { isolatedDatabaseForFile } from "@/tests/support/isolated-database";

// The app's database role (docs/decisions/015): it appends to and reads the audit log and can do
// nothing else to it, while everything the app really does (imports that rebuild partitions, pg-boss)
// still works. Its own database: the grant step hands tables over and reads every table's grants.
const db = isolatedDatabaseForFile();

let appUrl: string;
let app: pg.Client;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "labgate-app-role-"));
  appUrl = await ensureAppRole(db.url());
  app = new pg.Client({ connectionString: appUrl });
  await app.connect();
});

afterAll(async () => {
  await app?.end();
  rmSync(root, { recursive: true, force: true });
});

async function owner<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<T>> {
  const client = new pg.Client({ connectionString: db.url() });
  await client.connect();
  try {
    return await client.query<T>(text, values);
  } finally {
    await client.end();
  }
}

/** Runs `statement` as the app role and returns the error it raised (in a savepoint-free transaction of its own). */
async function refusal(statement: string): Promise<{ code?: string; message: string }> {
  await app.query("BEGIN");
  try {
    await app.query(statement);
  } catch (e) {
    return { code: (e as { code?: string }).code, message: (e as Error).message };
  } finally {
    await app.query("ROLLBACK");
  }
  throw new Error(`the app role was allowed to run: ${statement}`);
}

describe("the app role and the audit log", () => {
  it("connects as labgate_app, which is no superuser, cannot create roles, bypass row security or own audit_log", async () => {
    const me = await app.query<{ user: string; rolsuper: boolean; rolcreaterole: boolean; rolbypassrls: boolean; rolcreatedb: boolean; owns: boolean }>(
      `select current_user as user, rolsuper, rolcreaterole, rolbypassrls, rolcreatedb,
         pg_has_role(current_user, (select relowner from pg_class where oid = 'audit_log'::regclass), 'USAGE') as owns
       from pg_roles where rolname = current_user`,
    );
    expect(me.rows[0]).toEqual({ user: "labgate_app", rolsuper: false, rolcreaterole: false, rolbypassrls: false, rolcreatedb: false, owns: false });
    expect(appDatabaseUrl(db.url())).toBe(appUrl);
  });

  it("appends through recordAudit and reads the log back", async () => {
    const pool = new pg.Pool({ connectionString: appUrl, max: 4 });
    try {
      const appDb = drizzle(pool, { schema });
      const action = `test.app_role.${Date.now()}`;
      // Several at once, each in its own transaction as the app's requests are.
      await Promise.all(Array.from({ length: 12 }, (_, i) => appDb.transaction((tx) => recordAudit(tx, { action, details: { i } }))));
      const rows = await pool.query<{ n: number }>("select count(*)::int as n from audit_log where action = $1", [action]);
      expect(rows.rows[0]!.n).toBe(12);
    } finally {
      await pool.end();
    }
  });

  it.each([
    ["UPDATE", "update audit_log set action = 'forged'"],
    ["DELETE", "delete from audit_log"],
    ["TRUNCATE", "truncate audit_log"],
    ["disabling its triggers", "alter table audit_log disable trigger all"],
    ["disabling one trigger", "alter table audit_log disable trigger audit_log_no_update_delete"],
    ["dropping a trigger", "drop trigger audit_log_no_update_delete on audit_log"],
    ["adding a trigger", "create trigger sneak before insert on audit_log for each row execute function audit_log_refuse_change()"],
    ["replacing the trigger function", "create or replace function audit_log_refuse_change() returns trigger language plpgsql as $$ begin return null; end $$"],
    ["dropping the table", "drop table audit_log"],
    ["renaming the table", "alter table audit_log rename to audit_log_old"],
    ["taking ownership", "alter table audit_log owner to labgate_app"],
    ["a rule that rewrites inserts", "create rule sneak as on insert to audit_log do instead nothing"],
    ["row security", "alter table audit_log enable row level security"],
    ["skipping triggers by replication role", "set session_replication_role = replica"],
    ["moving the id sequence", "select setval(pg_get_serial_sequence('audit_log', 'id'), 1)"],
    ["an exclusive lock", "lock table audit_log in access exclusive mode"],
    ["becoming the owner", "set role postgres"],
    ["a schema that shadows tables in the owner's search_path", "create schema postgres"],
    ["granting itself more", "alter role labgate_app superuser"],
    ["creating roles", "create role sneak login"],
  ])("refuses %s", async (_what, statement) => {
    const e = await refusal(statement);
    expect(e.code, e.message).toBe("42501");
  });

  it("leaves the triggers in place and enabled", async () => {
    const triggers = await owner<{ tgname: string; tgenabled: string }>("select tgname, tgenabled from pg_trigger where tgrelid = 'audit_log'::regclass and not tgisinternal order by 1");
    expect(triggers.rows.length).toBeGreaterThanOrEqual(2);
    expect(triggers.rows.every((t) => t.tgenabled === "O")).toBe(true);
  });

  it("is idempotent and safe to run from many processes at once", async () => {
    const urls = await Promise.all(Array.from({ length: 6 }, () => ensureAppRole(db.url())));
    expect(new Set(urls)).toEqual(new Set([appUrl]));
    const grants = await owner<{ privilege_type: string }>(
      "select privilege_type from information_schema.role_table_grants where table_name = 'audit_log' and grantee = 'labgate_app' order by 1",
    );
    expect(grants.rows.map((g) => g.privilege_type)).toEqual(["INSERT", "SELECT"]);
  });

  it("narrows privileges granted by hand back to SELECT and INSERT, and gives a new table's rights at once", async () => {
    await owner("grant update, delete, truncate on audit_log to labgate_app");
    await owner("grant update (action) on audit_log to labgate_app");
    await ensureAppRole(db.url());
    expect((await refusal("update audit_log set action = 'forged'")).code).toBe("42501");
    expect((await refusal("truncate audit_log")).code).toBe("42501");
    // A migration run later: its table is usable by the app before the grant step runs again.
    await owner("create table app_role_later (id serial primary key, v text)");
    await app.query("insert into app_role_later (v) values ('x')");
    expect((await app.query("select v from app_role_later")).rows).toEqual([{ v: "x" }]);
  });
});

describe("what the app does at run time, as the app role", () => {
  it("imports MIMIC data, rebuilding partitions an older import left owned by the owner", async () => {
    const dataset = await findDataset({ slug: "mimic-cxr-jpg", version: "2.0.0" });
    if (!dataset) throw new Error("reference dataset mimic-cxr-jpg 2.0.0 missing");
    // An import from before this change, run as the owner: its partitions belong to the owner.
    const first = writeMini(path.join(root, "jpg-1"), miniJpgFiles());
    expect((await importMimicDirectory({ dir: first, dataset })).status).toBe("succeeded");
    const partitionOwners = () =>
      owner<{ relname: string; owner: string }>(
        `select c.relname, c.relowner::regrole::text as owner from pg_inherits i join pg_class c on c.oid = i.inhrelid
         where i.inhparent in ('mimic_image'::regclass, 'mimic_study'::regclass, 'mimic_study_facet'::regclass) and pg_get_expr(c.relpartbound, c.oid) = $1 order by 1`,
        [`FOR VALUES IN ('${dataset.id}')`],
      );
    expect((await partitionOwners()).rows.map((r) => r.owner)).toEqual(["postgres", "postgres", "postgres"]);

    // The import CLI migrates as the owner, then imports as the app role: it detaches and drops the
    // owner's old partitions (handed over by the grant step) and attaches its own.
    const fewer = miniStudies().slice(0, 7);
    const second = writeMini(path.join(root, "jpg-2"), miniJpgFiles(fewer));
    const r = runImportCli({ dir: second, slug: "mimic-cxr-jpg", version: "2.0.0", databaseUrl: db.url(), quiet: true });
    expect(r.ok, r.output).toBe(true);
    const owners = await partitionOwners();
    expect(owners.rows.map((x) => x.owner)).toEqual(["labgate_app", "labgate_app", "labgate_app"]);
    expect((await app.query<{ n: number }>("select count(*)::int as n from mimic_study where dataset_id = $1", [dataset.id])).rows[0]!.n).toBe(7);

    // And the other dataset, never imported before, straight in as the app.
    const cxr = writeMini(path.join(root, "cxr"), await miniCxrFiles(fewer));
    const again = runImportCli({ dir: cxr, slug: "mimic-cxr", version: "2.0.0", databaseUrl: db.url(), quiet: true });
    expect(again.ok, again.output).toBe(true);
    // Two CLI processes, each starting tsx, migrating and importing: well over the default on a busy machine.
  }, 180_000);

  it("runs pg-boss: starts, creates a queue (a partition of its own) and works a job", async () => {
    const name = `test-app-role-${Date.now()}`;
    let handled: ((data: unknown) => void) | undefined;
    const done = new Promise<unknown>((resolve) => (handled = resolve));
    const boss = await startJobRunner({
      connectionString: appUrl,
      pollingIntervalSeconds: 0.5,
      jobs: [defineJob({ name, handle: async (data) => handled!(data) })],
    });
    try {
      await boss.send(name, { n: 42 });
      await expect(done).resolves.toEqual({ n: 42 });
    } finally {
      await stopJobRunner(boss, { timeoutMs: 5_000 });
    }
    const who = await owner<{ owner: string }>("select nspowner::regrole::text as owner from pg_namespace where nspname = 'pgboss'");
    expect(who.rows[0]!.owner).toBe("labgate_app");
    const partition = await owner<{ owner: string }>("select q.partition_name, c.relowner::regrole::text as owner from pgboss.queue q join pg_class c on c.relname = q.partition_name where q.name = $1", [name]);
    expect(partition.rows.map((p) => p.owner)).toEqual(["labgate_app"]);
  });
});
