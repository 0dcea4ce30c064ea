import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { expect, test } from "@playwright/test";
import pg from "pg";
import * as schema from "@/db/schema";
import { createLab, createUser, credentialMember } from "@/lib/factories";
import { writeSyntheticVersion } from "@/lib/mimic/synth/write-version";
import { parseSha256Sums } from "@/lib/physionet/sha256-sums";
import { startUpstream, type Upstream } from "@/lib/physionet/upstream/start-upstream";
import { ensureAppRole } from "@/scripts/lib/app-role";
import { runMigrations } from "@/scripts/lib/database";
import { startRoundRobinProxy, type RoundRobinProxy } from "./support/round-robin-proxy";
import { emptyDatabase, freePort, runCommand } from "./support/spawn-start";

// The README's "more than one machine" topology on loopback: two `next start` of the built app and
// two workers (`npm run worker`) on one PostgreSQL database and one
// S3-compatible bucket (s3rver), behind a round-robin proxy. Everything that must be shared between
// instances is checked across them: sessions, their revocation, rate limits, download claims and
// the audit chain. No browser: every check is an HTTP exchange.
test.describe.configure({ mode: "serial" });

const SLUG = "mimic-cxr";
const VERSION = "2.0.0";
const PN_PASSWORD = "pn-two-instances:#1";

type Proc = { child: ChildProcess; output: () => string; group?: boolean };
const procs: Proc[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

test.afterAll(async () => {
  for (const p of procs) {
    if (p.child.exitCode !== null) continue;
    if (p.group) process.kill(-p.child.pid!, "SIGTERM");
    else p.child.kill("SIGTERM");
  }
  await Promise.all(procs.map((p) => (p.child.exitCode === null ? new Promise((r) => p.child.once("exit", r)) : null)));
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

function run(args: string[], env: NodeJS.ProcessEnv): Proc {
  let out = "";
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const p = { child, output: () => out };
  procs.push(p);
  return p;
}

async function until(what: string, p: Proc, ready: () => Promise<boolean>, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ready())) {
    if (p.child.exitCode !== null || Date.now() > end) throw new Error(`${what} did not start:\n${p.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A cookie jar per person, sent to whichever instance the request names (as its same-origin client). */
class Client {
  private jar = new Map<string, string>();
  cookie(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
  }
  async fetch(base: string, url: string, init: RequestInit & { form?: Record<string, string> } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("cookie", this.cookie());
    if (init.method && init.method !== "GET") headers.set("origin", base);
    let body = init.body;
    if (init.form) {
      headers.set("content-type", "application/x-www-form-urlencoded");
      body = new URLSearchParams(init.form);
    } else if (body && typeof body === "string") headers.set("content-type", "application/json");
    const res = await fetch(`${base}${url}`, { ...init, body, headers, redirect: "manual" });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair!.indexOf("=");
      this.jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    return res;
  }
  async csrf(base: string): Promise<string> {
    return ((await (await this.fetch(base, "/api/auth/csrf")).json()) as { csrfToken: string }).csrfToken;
  }
  async signIn(base: string, email: string, password: string): Promise<Response> {
    const csrfToken = await this.csrf(base);
    return this.fetch(base, "/api/auth/callback/credentials", { method: "POST", form: { csrfToken, email, password, json: "true" } });
  }
}

test("two app instances and two workers share sessions, limits, a download's files and one audit chain", async () => {
  test.setTimeout(300_000);
  const secret = process.env.NEXTAUTH_SECRET ?? "e2e-secret-e2e-secret-e2e-secret-e2e-0";
  const fresh = await emptyDatabase();
  cleanups.push(fresh.drop);
  // Both instances migrate as they start; the migration lock lets them start at the same moment.
  await Promise.all([runMigrations(fresh.url), runMigrations(fresh.url)]);
  const appUrl = await ensureAppRole(fresh.url);

  const pool = new pg.Pool({ connectionString: fresh.url, max: 2 });
  cleanups.push(() => pool.end());
  const db = drizzle(pool, { schema });
  const lab = await createLab(db);
  const steward = await createUser(db, { labId: lab.id, role: "steward" });
  const researcher = await createUser(db, { labId: lab.id, role: "member" });
  const [dataset] = await db.select({ id: schema.datasets.id }).from(schema.datasets).where(and(eq(schema.datasets.slug, SLUG), eq(schema.datasets.version, VERSION)));
  await db.insert(schema.labDatasets).values({ labId: lab.id, datasetId: dataset!.id });
  const pnUser = `pn${lab.id.slice(0, 8)}`;
  await credentialMember(db, { labId: lab.id, userId: researcher.id, stewardId: steward.id, datasetIds: [dataset!.id], username: pnUser });

  // PhysioNet (throttled, so the job lasts long enough for both workers to take a share), one bucket.
  const root = mkdtempSync(path.join(tmpdir(), "labgate-e2e-two-"));
  cleanups.push(async () => rmSync(root, { recursive: true, force: true }));
  const src = path.join(root, "physionet");
  await writeSyntheticVersion({ out: src, project: SLUG, version: VERSION, studies: 24, images: 24, seed: 11 });
  const upstreamLog: string[] = [];
  const upstream: Upstream = await startUpstream({
    projects: [{ slug: SLUG, version: VERSION, root: src }],
    accounts: [{ username: pnUser, password: PN_PASSWORD, access: [{ slug: SLUG, version: VERSION }] }],
    port: 0,
    throttleBytesPerSecond: 150_000,
    log: (l) => upstreamLog.push(l),
  });
  cleanups.push(() => upstream.close());
  const { default: S3rver } = await import("@20minutes/s3rver");
  const s3 = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: path.join(root, "s3rver"), configureBuckets: [{ name: "lab" }] });
  const { port: s3Port } = await s3.run();
  cleanups.push(() => s3.close());

  const ports = [await freePort(), await freePort()];
  const proxy: RoundRobinProxy = await startRoundRobinProxy(ports.map((p) => `http://127.0.0.1:${p}`));
  cleanups.push(() => proxy.close());
  // What every instance and worker must share: the secret, the database, the bucket, the staging area.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: appUrl,
    NEXTAUTH_SECRET: secret,
    NEXTAUTH_URL: proxy.url,
    LABGATE_TRUSTED_PROXIES: "loopback",
    LABGATE_STORAGE_BACKEND: "s3",
    LABGATE_S3_ENDPOINT: `http://127.0.0.1:${s3Port}`,
    LABGATE_S3_BUCKET: "lab",
    LABGATE_S3_ACCESS_KEY_ID: "S3RVER",
    LABGATE_S3_SECRET_ACCESS_KEY: "S3RVER",
    LABGATE_STORAGE_DIR: path.join(root, "storage"),
    LABGATE_DOWNLOAD_STAGING_DIR: path.join(root, "staging"),
    PHYSIONET_BASE_URL: upstream.url,
    // One share (two lanes) per worker: a job of 4 connections must then be driven by both.
    LABGATE_WORKER_DRIVE_SLOTS: "1",
  };
  const apps = ports.map((port) => run([path.resolve("node_modules/next/dist/bin/next"), "start", "-p", String(port), "-H", "127.0.0.1"], env));
  // Exactly as the README says a worker machine runs it.
  const workers = [0, 1].map(() => {
    const w = runCommand("npm run worker", env as Record<string, string>);
    const p = { child: w.child, output: w.output, group: true };
    procs.push(p);
    return p;
  });
  const [A, B] = ports.map((p) => `http://127.0.0.1:${p}`) as [string, string];
  await Promise.all([
    ...apps.map((p, i) => until(`app ${i}`, p, () => fetch(`${[A, B][i]}/api/health`).then((r) => r.ok, () => false))),
    ...workers.map((p, i) => until(`worker ${i}`, p, async () => p.output().includes('"msg":"worker running"'))),
  ]);

  // A session made on A is one row in PostgreSQL: B honours it.
  const person = new Client();
  expect((await person.signIn(A, researcher.email, researcher.password!)).status).toBeLessThan(400);
  const session = (await (await person.fetch(B, "/api/auth/session")).json()) as { user?: { email?: string } };
  expect(session.user?.email).toBe(researcher.email);
  expect((await person.fetch(B, "/api/downloads")).status).toBe(200);

  // Rate limits are counted in PostgreSQL: ten wrong passwords spread over both instances (at once,
  // through the proxy) use the account's whole allowance, and the right one is then refused on both.
  const guessers = Array.from({ length: 10 }, () => new Client());
  const guesses = await Promise.all(guessers.map((g) => g.signIn(proxy.url, steward.email, "not-the-password-at-all")));
  expect(guesses.map((r) => r.status)).toEqual(Array(10).fill(401));
  for (const base of [A, B]) {
    const blocked = await new Client().signIn(base, steward.email, steward.password!);
    expect(blocked.status, `sign-in on ${base === A ? "A" : "B"} after ten failures`).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
  }

  // A download made through the proxy is prepared by a worker, started on B, driven by both workers.
  const created = await person.fetch(proxy.url, "/api/downloads", {
    method: "POST",
    body: JSON.stringify({ datasetId: dataset!.id, selection: { mode: "filter", metadata: true, reports: true, images: "any", other: true, studies: { kind: "all" } }, password: PN_PASSWORD, keepPassword: false, concurrency: 4 }),
  });
  expect(created.status, await created.clone().text()).toBe(200);
  const { id } = (await created.json()) as { id: string };
  const state = async (base: string) => ((await (await person.fetch(base, `/api/downloads/${id}`)).json()) as { job: { state: string } }).job.state;
  await expect.poll(() => state(A), { timeout: 60_000 }).toBe("ready");
  const started = await person.fetch(B, `/api/downloads/${id}/actions`, { method: "POST", body: JSON.stringify({ action: "start", password: PN_PASSWORD, keepPassword: false }) });
  expect(started.status, await started.clone().text()).toBe(200);
  await expect.poll(() => state(proxy.url), { timeout: 180_000, intervals: [500] }).toBe("completed");

  const manifest = parseSha256Sums({ text: readFileSync(path.join(src, "SHA256SUMS.txt"), "utf8") });
  const fetched = new Map<string, number>();
  for (const line of upstreamLog) {
    const m = new RegExp(`^GET /files/${SLUG}/${VERSION}/(\\S+) (200|206) `).exec(line);
    if (m && m[1] !== "SHA256SUMS.txt") fetched.set(m[1]!, (fetched.get(m[1]!) ?? 0) + 1);
  }
  expect([...fetched.keys()].sort()).toEqual(manifest.map((e) => e.path).sort());
  expect([...fetched].filter(([, n]) => n > 1), "files fetched more than once").toEqual([]);
  const stored = await db.select({ path: schema.storedFiles.path }).from(schema.storedFiles).where(eq(schema.storedFiles.labId, lab.id));
  expect(stored).toHaveLength(manifest.length);
  const drove = (w: Proc) => w.output().split("\n").some((l) => l.includes('"job":"downloads.drive"'));
  await expect.poll(() => workers.map(drove), { timeout: 30_000 }).toEqual([true, true]);

  // Signing out on B ends the session for A too.
  const csrfToken = await person.csrf(B);
  const stale = person.cookie();
  await person.fetch(B, "/api/auth/signout", { method: "POST", form: { csrfToken, json: "true" } });
  const after = await fetch(`${A}/api/downloads`, { headers: { cookie: stale } });
  expect(after.status).toBe(401);

  // Both instances answered through the proxy, and every audit row of both (and of both workers)
  // hangs on one chain, checkpoints in the bucket included.
  expect(proxy.served.every((n) => n > 0)).toBe(true);
  // Asynchronously: s3rver answers from this very process.
  const verify = run(["--conditions=react-server", "--import", "tsx", "scripts/audit-verify.ts"], { ...env, DATABASE_URL: fresh.url });
  const code = await new Promise((r) => verify.child.once("exit", r));
  expect(code, verify.output()).toBe(0);
  const actions = await pool.query<{ action: string; n: number }>("select action, count(*)::int as n from audit_log group by action");
  const count = Object.fromEntries(actions.rows.map((r) => [r.action, r.n]));
  // Ten failures written by both instances at once, the two refusals, and the rest of the journey.
  expect(count["auth.sign_in"]).toBeGreaterThanOrEqual(11);
  expect(count["rate_limit.sign_in"]).toBe(2);
  expect([count["download.create"], count["download.start"], count["auth.sign_out"]]).toEqual([1, 1, 1]);
});
