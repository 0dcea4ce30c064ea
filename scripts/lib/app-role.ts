import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";
import pg from "pg";
import PgBoss from "pg-boss";
import { databaseName } from "./database";

// Two roles (docs/decisions/015): the owner (DATABASE_URL as given, or the embedded server's
// superuser) runs migrations and owns audit_log and its trigger functions; the web app, the worker
// and the tools that do the app's work connect as a login role that may only SELECT and INSERT the
// audit log and does not own it, so it can neither rewrite it nor drop or disable its triggers.

export const DEFAULT_APP_ROLE = "labgate_app";

/** Tables the app may only read and append to. Add a table here when it must be append-only too. */
export const APPEND_ONLY_TABLES = ["audit_log"] as const;

/**
 * Tables the app rebuilds at run time (the MIMIC import builds a partition beside the old one, then
 * detaches, drops and attaches them: DDL that only an owner may run). The app owns these parents and
 * every partition of them; the orphan pattern is build-partitions.ts's.
 */
const APP_OWNED_PARENTS = ["mimic_image", "mimic_study", "mimic_study_facet"] as const;
const APP_OWNED_PARTITION = "^mimic_(image|study|facet)_i[0-9a-f]{12}$";

/** pg-boss's schema (lib/jobs/job-runner.ts): its queue functions create and drop partitions, so the app owns it. */
export const JOB_SCHEMA = "pgboss";

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export type AppRoleOptions = {
  /** Name of the role to create; default LABGATE_APP_ROLE, else labgate_app. */
  role?: string;
  /** The app's own URL, made by a DBA (LABGATE_APP_DATABASE_URL); then no role is created here. */
  appUrl?: string;
  /** Where the password comes from: LABGATE_SECRET_KEY, else NEXTAUTH_SECRET. */
  secret?: string;
  log?: (line: string) => void;
};

export class AppRoleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AppRoleError";
  }
}

/** The app role's password: an HMAC of the lab's secret, so nothing extra is stored anywhere. */
export function appRolePassword(secret: string, role: string): string {
  return createHmac("sha256", secret).update(`labgate-app-database-role-v1:${role}`).digest("base64url");
}

/** `ownerUrl` with the app role's name and password instead of the owner's. */
export function appRoleUrl(ownerUrl: string, opts: { role: string; password: string }): string {
  const u = new URL(ownerUrl);
  u.username = encodeURIComponent(opts.role);
  u.password = encodeURIComponent(opts.password);
  return u.toString();
}

function envSecret(): string {
  const secret = process.env.LABGATE_SECRET_KEY ?? process.env.NEXTAUTH_SECRET;
  if (!secret) throw new AppRoleError("labgate: NEXTAUTH_SECRET (or LABGATE_SECRET_KEY) is needed to derive the app database role's password");
  return secret;
}

/**
 * The URL the app connects with, without touching the database: LABGATE_APP_DATABASE_URL when set,
 * else the derived role on the owner's server. ensureAppRole must have run (or run next) for it to work.
 */
export function appDatabaseUrl(ownerUrl: string, opts: AppRoleOptions = {}): string {
  const explicit = opts.appUrl ?? process.env.LABGATE_APP_DATABASE_URL;
  if (explicit) return explicit;
  const role = opts.role ?? process.env.LABGATE_APP_ROLE ?? DEFAULT_APP_ROLE;
  return appRoleUrl(ownerUrl, { role, password: appRolePassword(opts.secret ?? envSecret(), role) });
}

/** The SQL a DBA runs once on an external server whose owner role cannot create roles. */
export function dbaSql(opts: { role: string; owner: string; database: string }): string {
  const role = quoteIdent(opts.role);
  return [
    `CREATE ROLE ${role} LOGIN PASSWORD '<a long random password>' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;`,
    `-- lets the owner hand the app the tables it rebuilds (MIMIC partitions, the pgboss schema)`,
    `GRANT ${role} TO ${quoteIdent(opts.owner)};`,
    `-- then start labgate with LABGATE_APP_DATABASE_URL=postgres://${opts.role}:<password>@<host>:<port>/${opts.database}`,
    `-- (it applies the grants itself, as the owner, on every start and every npm run db:migrate)`,
  ].join("\n");
}

/**
 * Makes sure the app's role exists with exactly the rights the app needs on this database, and
 * returns the URL the app should connect with. Run as the owner, after migrations, on every start:
 * it is idempotent, and a migration's new tables get their grants here. Roles are cluster-wide
 * (databases on one server share it); grants and ownership are per database.
 */
export async function ensureAppRole(ownerUrl: string, opts: AppRoleOptions = {}): Promise<string> {
  const explicit = opts.appUrl ?? process.env.LABGATE_APP_DATABASE_URL;
  const role = explicit ? decodeURIComponent(new URL(explicit).username) : (opts.role ?? process.env.LABGATE_APP_ROLE ?? DEFAULT_APP_ROLE);
  if (!ROLE_NAME.test(role)) throw new AppRoleError(`labgate: unusual app role name ${JSON.stringify(role)} (lower-case letters, digits and _ only)`);
  const password = explicit ? null : appRolePassword(opts.secret ?? envSecret(), role);
  const appUrl = explicit ?? appRoleUrl(ownerUrl, { role, password: password! });
  if (explicit && sameServer(explicit, ownerUrl) === false) throw new AppRoleError("labgate: LABGATE_APP_DATABASE_URL must name the same server and database as DATABASE_URL");

  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const me = (await client.query<{ name: string; superuser: boolean; createrole: boolean }>("select rolname as name, rolsuper as superuser, rolcreaterole as createrole from pg_roles where rolname = current_user")).rows[0]!;
    if (me.name === role) throw new AppRoleError(`labgate: DATABASE_URL connects as ${role}, the app's own role; give DATABASE_URL the owner's role (the one that runs migrations)`);
    const database = databaseName(ownerUrl);
    if (explicit) {
      const found = await client.query("select 1 from pg_roles where rolname = $1", [role]);
      if (found.rowCount === 0) throw new AppRoleError(`labgate: LABGATE_APP_DATABASE_URL names role ${role}, which does not exist. The DBA runs:\n${dbaSql({ role, owner: me.name, database })}`);
    } else {
      if (!me.superuser && !me.createrole) {
        throw new AppRoleError(
          `labgate: the app connects as its own restricted role, and ${me.name} (DATABASE_URL) may not create roles. Ask the DBA to run:\n${dbaSql({ role, owner: me.name, database })}`,
        );
      }
      await retrying(() => createOrUpdateRole(client, { role, password: password!, superuser: me.superuser }));
    }
    await checkRole(client, role);
    if (!me.superuser) await retrying(() => joinAppRole(client, { role, owner: me.name, database }));
    await installJobSchema(ownerUrl);
    await retrying(() => applyGrants(client, { role, database }));
    opts.log?.(`labgate: the app connects as ${role}`);
    return appUrl;
  } finally {
    await client.end();
  }
}

function sameServer(a: string, b: string): boolean {
  const x = new URL(a);
  const y = new URL(b);
  return x.hostname === y.hostname && (x.port || "5432") === (y.port || "5432") && x.pathname === y.pathname;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * A SCRAM-SHA-256 verifier, so the password itself never reaches the server (or its statement log).
 * "password" and "md5" lines of pg_hba.conf accept it as well as "scram-sha-256" ones.
 */
function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const { storedKey, serverKey } = scramKeys(password, salt, iterations);
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

function scramKeys(password: string, salt: Buffer, iterations: number) {
  const salted = pbkdf2Sync(password, salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  return { storedKey: createHash("sha256").update(clientKey).digest(), serverKey: createHmac("sha256", salted).update("Server Key").digest() };
}

/** Whether a stored verifier is this password's (read only by a superuser; others always set it). */
function verifierMatches(stored: string | null, password: string): boolean {
  const m = stored && /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(stored);
  if (!m) return false;
  const { storedKey } = scramKeys(password, Buffer.from(m[2]!, "base64"), Number(m[1]));
  const expected = Buffer.from(m[3]!, "base64");
  return expected.length === storedKey.length && timingSafeEqual(expected, storedKey);
}

const ROLE_ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT";

async function createOrUpdateRole(client: pg.Client, opts: { role: string; password: string; superuser: boolean }): Promise<void> {
  const id = quoteIdent(opts.role);
  const found = await client.query<{ rolsuper: boolean; rolcreaterole: boolean; rolcreatedb: boolean; rolreplication: boolean; rolbypassrls: boolean; rolcanlogin: boolean }>(
    "select rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin from pg_roles where rolname = $1",
    [opts.role],
  );
  const verifier = client.escapeLiteral(scramVerifier(opts.password));
  if (found.rowCount === 0) {
    await client.query(`CREATE ROLE ${id} ${ROLE_ATTRIBUTES} PASSWORD ${verifier}`);
    return;
  }
  const r = found.rows[0]!;
  if (r.rolsuper || r.rolcreaterole || r.rolcreatedb || r.rolreplication || r.rolbypassrls || !r.rolcanlogin) await client.query(`ALTER ROLE ${id} ${ROLE_ATTRIBUTES}`);
  // pg_authid is readable by superusers only; they skip the write when the password is already right.
  const stored = opts.superuser ? (await client.query<{ p: string | null }>("select rolpassword as p from pg_authid where rolname = $1", [opts.role])).rows[0]?.p ?? null : null;
  if (!verifierMatches(stored, opts.password)) await client.query(`ALTER ROLE ${id} PASSWORD ${verifier}`);
}

/** A non-superuser owner may hand objects to the app role only as a member of it (never the other way round). */
async function joinAppRole(client: pg.Client, opts: { role: string; owner: string; database: string }): Promise<void> {
  const member = await client.query<{ ok: boolean }>("select pg_has_role(current_user, $1, 'USAGE') as ok", [opts.role]);
  if (member.rows[0]!.ok) return;
  try {
    await client.query(`GRANT ${quoteIdent(opts.role)} TO ${quoteIdent(opts.owner)}`);
  } catch (e) {
    throw new AppRoleError(`labgate: ${opts.owner} must be a member of ${opts.role} to hand it the tables it rebuilds (${(e as Error).message}). The DBA runs:\n${dbaSql(opts)}`);
  }
}

/** Refuses a role that could rewrite the audit log whatever its grants say. */
async function checkRole(client: pg.Client, role: string): Promise<void> {
  const r = await client.query<{ problem: string }>(
    `select unnest(array[
       case when a.rolsuper then 'is a superuser' end,
       case when a.rolcreaterole then 'may create roles' end,
       case when a.rolbypassrls then 'bypasses row security' end,
       case when a.rolreplication then 'is a replication role' end,
       case when pg_has_role(a.oid, t.relowner, 'USAGE') then 'owns audit_log or is a member of its owner ' || t.relowner::regrole::text end,
       case when pg_has_role(a.oid, n.nspowner, 'USAGE') then 'owns (or is a member of the owner of) schema ' || n.nspname end,
       case when d.datdba = a.oid or pg_has_role(a.oid, d.datdba, 'USAGE') then 'owns the database' end,
       case when pg_has_role(a.oid, 'pg_write_all_data', 'USAGE') then 'is a member of pg_write_all_data' end
     ]) as problem
     from pg_roles a, pg_class t join pg_namespace n on n.oid = t.relnamespace, pg_database d
     where a.rolname = $1 and t.oid = 'public.audit_log'::regclass and d.datname = current_database()`,
    [role],
  );
  const problems = r.rows.map((x) => x.problem).filter(Boolean);
  if (problems.length > 0) throw new AppRoleError(`labgate: the app role ${role} ${problems.join(", ")}; it must not, or it could rewrite the audit log`);
}

/**
 * pg-boss installs and migrates its schema on start, which needs CREATE on the database (CREATE SCHEMA
 * IF NOT EXISTS checks it even when the schema exists). The app has no such right, so the owner
 * installs or upgrades it here, and applyGrants hands the schema to the app.
 */
async function installJobSchema(ownerUrl: string): Promise<void> {
  const boss = new PgBoss({ connectionString: ownerUrl, schema: JOB_SCHEMA, max: 1, supervise: false, schedule: false });
  boss.on("error", () => {});
  await boss.start();
  await boss.stop({ graceful: false, wait: true });
}

// Any fixed number: serialises concurrent grant runs on one database (several processes starting at once).
const GRANT_LOCK = 7_414_253_015;

type RelRow = { oid: number; name: string; kind: string; owned: boolean; privs: string[]; column_privs: boolean };

async function applyGrants(client: pg.Client, opts: { role: string; database: string }): Promise<void> {
  const id = quoteIdent(opts.role);
  await client.query("BEGIN");
  try {
    await client.query("select pg_advisory_xact_lock($1)", [GRANT_LOCK]);
    await client.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${quoteIdent(opts.database)} TO ${id}`);
    // CREATE on public: the import creates its partitions there. Not CREATE on the database: a schema
    // of its own named like the owner role would come first in the owner's search_path ("$user").
    await client.query(`GRANT USAGE, CREATE ON SCHEMA public TO ${id}`);

    const appOid = (await client.query<{ oid: number }>("select oid::int from pg_roles where rolname = $1", [opts.role])).rows[0]!.oid;
    const rels = await client.query<RelRow>(
      `select c.oid::int, quote_ident(c.relname) as name, c.relkind as kind, c.relowner = $1 as owned,
         coalesce(array(select a.privilege_type from aclexplode(c.relacl) a where a.grantee = $1 order by 1), '{}') as privs,
         exists(select 1 from pg_attribute at, aclexplode(at.attacl) a where at.attrelid = c.oid and a.grantee = $1) as column_privs
       from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')`,
      [appOid],
    );
    const appOwned = await client.query<{ name: string }>(
      `select quote_ident(c.relname) as name from pg_class c
       where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and c.relowner <> $1
         and (c.relname = any($2) or c.relname ~ $3
              or exists (select 1 from pg_inherits i where i.inhrelid = c.oid and i.inhparent in (select ('public.' || quote_ident(p))::regclass from unnest($2::text[]) p)))`,
      [appOid, APP_OWNED_PARENTS, APP_OWNED_PARTITION],
    );
    for (const t of appOwned.rows) await client.query(`ALTER TABLE ${t.name} OWNER TO ${id}`);
    const handedOver = new Set(appOwned.rows.map((t) => t.name));

    for (const rel of rels.rows) {
      if (rel.owned || handedOver.has(rel.name)) continue;
      const appendOnly = (APPEND_ONLY_TABLES as readonly string[]).includes(rel.name);
      const want = rel.kind === "S" ? ["SELECT", "USAGE"] : appendOnly ? ["INSERT", "SELECT"] : ["DELETE", "INSERT", "SELECT", "UPDATE"];
      if (rel.privs.join() === want.join() && !(appendOnly && rel.column_privs)) continue;
      const what = rel.kind === "S" ? "SEQUENCE" : "TABLE";
      await client.query(`REVOKE ALL ON ${what} ${rel.name} FROM ${id}`);
      await client.query(`GRANT ${want.join(", ")} ON ${what} ${rel.name} TO ${id}`);
    }

    // Tables a later migration adds are usable at once, even before this step runs again (it runs
    // after every migration anyway, and then narrows the append-only tables).
    await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${id}`);
    await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${id}`);

    await handOverSchema(client, { schema: JOB_SCHEMA, role: opts.role, appOid });
    // Read-only: the doctor (and the admin page) tell whether the database is migrated.
    if ((await client.query("select to_regclass('drizzle.__drizzle_migrations') as t")).rows[0]?.t) {
      await client.query(`GRANT USAGE ON SCHEMA drizzle TO ${id}`);
      await client.query(`GRANT SELECT ON drizzle.__drizzle_migrations TO ${id}`);
    }
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  }
}

/** The schema and everything in it to the app role (objects an owner made while installing or upgrading it). */
async function handOverSchema(client: pg.Client, opts: { schema: string; role: string; appOid: number }): Promise<void> {
  const id = quoteIdent(opts.role);
  const s = quoteIdent(opts.schema);
  const owner = await client.query<{ nspowner: number }>("select nspowner::int from pg_namespace where nspname = $1", [opts.schema]);
  if (owner.rowCount === 0) return;
  if (owner.rows[0]!.nspowner !== opts.appOid) await client.query(`ALTER SCHEMA ${s} OWNER TO ${id}`);
  const objects = await client.query<{ sql: string }>(
    `select format('ALTER TABLE %I.%I OWNER TO %s', n.nspname, c.relname, $3::text) as sql
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relowner <> $2 and (c.relkind in ('r', 'p', 'v', 'm', 'f')
        -- a sequence that belongs to a column moves with its table
        or (c.relkind = 'S' and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype in ('a', 'i'))))
     union all
     select format('ALTER TYPE %I.%I OWNER TO %s', n.nspname, t.typname, $3::text)
       from pg_type t join pg_namespace n on n.oid = t.typnamespace
      where n.nspname = $1 and t.typowner <> $2 and t.typtype in ('e', 'd')
     union all
     select format('ALTER ROUTINE %s OWNER TO %s', p.oid::regprocedure, $3::text)
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = $1 and p.proowner <> $2`,
    [opts.schema, opts.appOid, id],
  );
  for (const o of objects.rows) await client.query(o.sql);
}

/** Role and grant changes from concurrent starts on one server collide in the catalogues; those are retried. */
async function retrying<T>(body: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await body();
    } catch (e) {
      const code = (e as { code?: string }).code;
      const message = (e as Error).message ?? "";
      const transient = code === "40P01" || code === "40001" || code === "23505" || code === "42710" || /tuple concurrently (updated|deleted)/.test(message);
      if (!transient || attempt >= 8) throw e;
      await new Promise((r) => setTimeout(r, 50 * attempt + Math.random() * 100));
    }
  }
}
