/**
 * audit.concurrent: 16 HTTP clients fetch audited thumbnails and images from the production build
 * for 15 s; then the chain is verified. The same requests are then made to a second app whose audit
 * appends are switched off (recordAudit's bench switch: LABGATE_BENCH_NO_AUDIT=1 honoured only with
 * LABGATE_TEST_CLOCK=1 on a labgate_bench_* database, which a real install never has), so `ratio` is
 * the price of one serialised, hash-chained row per request under concurrency.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { labDatasets } from "@/db/schema";
import { verifyAuditChain } from "@/lib/audit/verify";
import { getDb } from "@/lib/db/client";
import { createLab, createUser, credentialMember } from "@/lib/factories";
import { findDataset } from "@/lib/mimic/import/import-directory";
import { ensureProductionBuild } from "../support/production-build";
import { runImportCli } from "@/scripts/lib/run-import-cli";
import { miniCxrFiles, miniStudies, writeMini } from "@/tests/mimic/mini-mimic";
import { round, type BenchContext, type Measure } from "../harness";

const CLIENTS = 16;
const SECONDS = Number(process.env.BENCH_AUDIT_SECONDS ?? 15);
const AUDITED = sql`action in ('image.view', 'image.thumbnail', 'image.preview')`;
// Thumbnails of two uncompressed images (rendered once, then served from the thumbnail cache) and
// two small files served whole: the request is cheap, so the audit row is a large part of it.
const FIXTURES = {
  thumbA: "tests/fixtures/dicom/cr-mono1-10bit-implicit-le.dcm",
  thumbB: "tests/fixtures/dicom/mr-mono2-12bit-explicit-le.dcm",
  imageC: "tests/fixtures/dicom/signed-15bit-jpegls-lossless.dcm",
  imageD: "tests/fixtures/dicom/voi-lut-sequence.dcm",
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export type App = { baseURL: string; proc: ChildProcess; output: () => string };

export async function startApp(env: Record<string, string>): Promise<App> {
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  let output = "";
  const proc = spawn(process.execPath, [path.resolve("node_modules/next/dist/bin/next"), "start", "-p", String(port), "-H", "127.0.0.1"], {
    env: { ...process.env, NODE_ENV: "production", NEXTAUTH_URL: baseURL, NEXT_TELEMETRY_DISABLED: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  proc.stdout!.on("data", (c: Buffer) => (output += c.toString()));
  proc.stderr!.on("data", (c: Buffer) => (output += c.toString()));
  for (let i = 0; i < 240; i++) {
    if (proc.exitCode !== null) throw new Error(`bench: next start exited (${proc.exitCode}):\n${output}`);
    if (await fetch(`${baseURL}/api/health`).then((r) => r.ok, () => false)) return { baseURL, proc, output: () => output };
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`bench: the app did not answer on ${baseURL}:\n${output}`);
}

export async function stopApp(app: App | undefined): Promise<void> {
  if (!app || app.proc.exitCode !== null) return;
  app.proc.kill("SIGTERM");
  await new Promise((r) => app.proc.once("exit", r));
}

/** Signs in through next-auth's credentials endpoint; returns the Cookie header of the session. */
export async function signIn(baseURL: string, user: { email: string; password: string }): Promise<string> {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair!.indexOf("=");
      jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const csrf = await fetch(`${baseURL}/api/auth/csrf`);
  keep(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const res = await fetch(`${baseURL}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookie(), origin: baseURL },
    body: new URLSearchParams({ csrfToken, email: user.email, password: user.password, json: "true" }),
  });
  keep(res);
  if (![...jar.keys()].some((k) => k.endsWith("labgate.session"))) throw new Error(`bench: sign-in failed (${res.status})`);
  return cookie();
}

/** CLIENTS loops for SECONDS, each request read to its end; counts what was served (200). */
async function load(baseURL: string, cookie: string, urls: string[]): Promise<{ served: number; other: number; seconds: number }> {
  let served = 0;
  let other = 0;
  let next = 0;
  const started = performance.now();
  const until = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < until) {
        const res = await fetch(`${baseURL}${urls[next++ % urls.length]}`, { headers: { cookie } });
        await res.arrayBuffer();
        if (res.status === 200) served++;
        else other++;
      }
    }),
  );
  return { served, other, seconds: (performance.now() - started) / 1000 };
}

async function auditedRows(actorId: string): Promise<number> {
  const r = await getDb().execute<{ n: number }>(sql`select count(*)::int as n from audit_log where actor_id = ${actorId} and ${AUDITED}`);
  return r.rows[0]!.n;
}

// Rows whose prev_hash is not the previous row's hash: each one is a fork or a gap.
export async function chainBreaks(): Promise<number> {
  const r = await getDb().execute<{ n: number }>(
    sql`select count(*)::int as n from (select prev_hash, lag(hash) over (order by id) as prev from audit_log) t where prev_hash <> coalesce(prev, repeat('0', 64))`,
  );
  return r.rows[0]!.n;
}

export const auditConcurrent: Measure = {
  name: "audit.concurrent",
  description: `${CLIENTS} HTTP clients fetching audited thumbnails/images for ${SECONDS} s, then audit:verify; vs the same with auditing off`,
  async run(ctx: BenchContext) {
    ensureProductionBuild(ctx.log);
    const root = mkdtempSync(path.join(tmpdir(), "labgate-bench-audit-"));
    let audited: App | undefined;
    let unaudited: App | undefined;
    try {
      const [s1, s2] = [miniStudies()[1]!, miniStudies()[3]!];
      const folder = (s: typeof s1) => `files/p${String(s.subject).slice(0, 2)}/p${s.subject}/s${s.study}`;
      const ids = { thumbA: s1.images[0]!.dicom, thumbB: s1.images[1]!.dicom, imageC: s2.images[0]!.dicom, imageD: s2.images[1]!.dicom };
      const bytes = {
        [`${folder(s1)}/${ids.thumbA}.dcm`]: readFileSync(FIXTURES.thumbA),
        [`${folder(s1)}/${ids.thumbB}.dcm`]: readFileSync(FIXTURES.thumbB),
        [`${folder(s2)}/${ids.imageC}.dcm`]: readFileSync(FIXTURES.imageC),
        [`${folder(s2)}/${ids.imageD}.dcm`]: readFileSync(FIXTURES.imageD),
      };
      const dir = writeMini(path.join(root, "mimic-cxr"), await miniCxrFiles(), { localImages: Object.keys(bytes), imageBytes: bytes });
      const imported = runImportCli({ dir, slug: "mimic-cxr", version: "2.0.0", databaseUrl: ctx.databaseUrl, quiet: true });
      if (!imported.ok) throw new Error(`bench: importing the study failed:\n${imported.output}`);
      const db = getDb();
      const dataset = await findDataset({ slug: "mimic-cxr", version: "2.0.0" });
      if (!dataset) throw new Error("bench: reference dataset mimic-cxr 2.0.0 missing");
      const lab = await createLab(db);
      const steward = await createUser(db, { labId: lab.id, role: "steward" });
      const researcher = await createUser(db, { labId: lab.id, role: "member" });
      await db.insert(labDatasets).values({ labId: lab.id, datasetId: dataset.id });
      await credentialMember(db, { labId: lab.id, userId: researcher.id, stewardId: steward.id, datasetIds: [dataset.id] });
      const base = "/api/datasets/mimic-cxr/2.0.0";
      const urls = [`${base}/thumbnails/${ids.thumbA}`, `${base}/thumbnails/${ids.thumbB}`, `${base}/images/${ids.imageC}`, `${base}/images/${ids.imageD}`];

      // Both apps share the lab storage, so the thumbnails rendered once are cached for both.
      const storage = { LABGATE_STORAGE_DIR: path.join(root, "storage") };
      audited = await startApp(storage);
      unaudited = await startApp({ ...storage, LABGATE_BENCH_NO_AUDIT: "1", LABGATE_TEST_CLOCK: "1" });
      const user = { email: researcher.email, password: researcher.password! };
      const [onCookie, offCookie] = [await signIn(audited.baseURL, user), await signIn(unaudited.baseURL, user)];
      // Warm-up: every route compiled and every thumbnail cached before anything is timed.
      for (const app of [audited, unaudited]) for (const u of urls) await (await fetch(`${app.baseURL}${u}`, { headers: { cookie: app === audited ? onCookie : offCookie } })).arrayBuffer();

      const rows0 = await auditedRows(researcher.id);
      const off = await load(unaudited.baseURL, offCookie, urls);
      const rowsAfterOff = await auditedRows(researcher.id);
      if (rowsAfterOff !== rows0) throw new Error(`bench: the auditing-off app wrote ${rowsAfterOff - rows0} audit rows: its switch did not take`);
      if (!/AUDITING IS OFF/.test(unaudited.output())) throw new Error("bench: the auditing-off app did not say it was off");
      const on = await load(audited.baseURL, onCookie, urls);
      const rows = (await auditedRows(researcher.id)) - rows0;

      const verified = await verifyAuditChain(getDb());
      const breaks = (await chainBreaks()) + (verified.ok ? 0 : 1);
      const rps = on.served / on.seconds;
      const baselineRps = off.served / off.seconds;
      ctx.log(`audited: ${on.served} served (${on.other} other) in ${round(on.seconds)} s = ${round(rps, 1)}/s; ${rows} audit rows; verify ${verified.ok ? "OK" : `BROKEN at ${verified.brokenId}`}`);
      ctx.log(`auditing off: ${off.served} served (${off.other} other) in ${round(off.seconds)} s = ${round(baselineRps, 1)}/s`);
      if (on.other > 0 || off.other > 0) throw new Error("bench: some requests were not served (non-200)");
      return {
        breaks,
        rows,
        served: on.served,
        rps: round(rps, 1),
        baseline_rps: round(baselineRps, 1),
        ratio: round(rps / baselineRps),
        clients: CLIENTS,
        seconds: SECONDS,
      };
    } finally {
      await stopApp(audited);
      await stopApp(unaudited);
      rmSync(root, { recursive: true, force: true });
    }
  },
};
