import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { AppRoleError, dbaSql, ensureAppRole } from "@/scripts/lib/app-role";
import { dropDatabase, runMigrations, withAdminClient } from "@/scripts/lib/database";

// An external server where DATABASE_URL is not a superuser (docs/decisions/015): an owner that may
// create roles gets the app role made for it; one that may not is refused with the DBA's SQL, and
// works once the DBA has run it and LABGATE_APP_DATABASE_URL names the role.
const suffix = randomUUID().slice(0, 8);
const made: { roles: string[]; databases: string[] } = { roles: [], databases: [] };

function serverUrl(user: string, password: string | null, database: string): string {
  const u = new URL(inject("databaseUrl"));
  u.username = user;
  u.password = password ?? "";
  u.pathname = `/${database}`;
  return u.toString();
}

/** A login role that owns a fresh, migrated database, as a hosting provider's account would. */
async function ownerWithDatabase(name: string, attributes: string): Promise<string> {
  const role = `lg_owner_${name}_${suffix}`;
  const database = `lg_ext_${name}_${suffix}`;
  await withAdminClient(inject("databaseUrl"), async (admin) => {
    await admin.query(`create role ${role} login password 'owner-pw' ${attributes}`);
    made.roles.push(role);
    await admin.query(`create database ${database} owner ${role}`);
    made.databases.push(database);
  });
  const url = serverUrl(role, "owner-pw", database);
  await runMigrations(url);
  return url;
}

async function asApp(url: string, body: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await body(client);
  } finally {
    await client.end();
  }
}

async function refused(client: pg.Client, statement: string): Promise<string | undefined> {
  return client.query(statement).then(
    () => "allowed",
    (e: { code?: string }) => e.code,
  );
}

afterAll(async () => {
  for (const d of made.databases) await dropDatabase(serverUrl("postgres", null, d)).catch(() => {});
  await withAdminClient(inject("databaseUrl"), async (admin) => {
    // Apps first: an owner may still be granted membership of one.
    for (const r of [...made.roles].reverse()) await admin.query(`drop role if exists ${r}`).catch(() => {});
  });
});

describe("ensureAppRole on a server where the owner is not a superuser", () => {
  it("creates the role itself when the owner may create roles", async () => {
    const ownerUrl = await ownerWithDatabase("cr", "createrole");
    const role = `lg_app_cr_${suffix}`;
    made.roles.push(role);
    const appUrl = await ensureAppRole(ownerUrl, { role, secret: "s".repeat(40) });
    expect(new URL(appUrl).username).toBe(role);
    await asApp(appUrl, async (app) => {
      await app.query("insert into mimic_view (name) values ('app-role-test')");
      expect(await refused(app, "alter table audit_log disable trigger all")).toBe("42501");
      expect(await refused(app, "update audit_log set action = 'x'")).toBe("42501");
      expect(await refused(app, "create role sneak login")).toBe("42501");
      const owner = await app.query<{ owner: string }>("select relowner::regrole::text as owner from pg_class where oid = 'mimic_image'::regclass");
      expect(owner.rows[0]!.owner).toBe(role);
    });
  });

  it("refuses with the DBA's SQL when the owner may not create roles, and works with the DBA's role", async () => {
    const ownerUrl = await ownerWithDatabase("plain", "");
    const owner = decodeURIComponent(new URL(ownerUrl).username);
    const role = `lg_app_dba_${suffix}`;
    const attempt = ensureAppRole(ownerUrl, { role, secret: "s".repeat(40), appUrl: undefined });
    await expect(attempt).rejects.toThrow(AppRoleError);
    await expect(attempt).rejects.toThrow(`CREATE ROLE "${role}" LOGIN PASSWORD`);

    // What the DBA runs (the printed SQL, with a password filled in).
    const sql = dbaSql({ role, owner, database: "x" }).replace("<a long random password>", "dba-chosen-pw").split("\n").filter((l) => !l.startsWith("--"));
    await withAdminClient(inject("databaseUrl"), async (admin) => {
      for (const statement of sql) await admin.query(statement);
    });
    made.roles.push(role);
    const given = serverUrl(role, "dba-chosen-pw", new URL(ownerUrl).pathname.slice(1));
    expect(await ensureAppRole(ownerUrl, { appUrl: given })).toBe(given);
    await asApp(given, async (app) => {
      const r = await app.query<{ n: number }>("select count(*)::int as n from audit_log");
      expect(r.rows[0]!.n).toBeGreaterThanOrEqual(0);
      expect(await refused(app, "truncate audit_log")).toBe("42501");
      expect(await refused(app, "drop trigger audit_log_no_truncate on audit_log")).toBe("42501");
    });
  });

  it("refuses a DBA's role that could rewrite the log anyway", async () => {
    const ownerUrl = await ownerWithDatabase("bad", "");
    const owner = decodeURIComponent(new URL(ownerUrl).username);
    const role = `lg_app_bad_${suffix}`;
    await withAdminClient(inject("databaseUrl"), async (admin) => {
      await admin.query(`create role ${role} login password 'pw'`);
      // A member of the owner holds the owner's rights, triggers and all.
      await admin.query(`grant ${owner} to ${role}`);
    });
    made.roles.push(role);
    const given = serverUrl(role, "pw", new URL(ownerUrl).pathname.slice(1));
    await expect(ensureAppRole(ownerUrl, { appUrl: given })).rejects.toThrow(/owns audit_log or is a member of its owner/);
  });
});
