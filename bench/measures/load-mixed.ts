/**
 * load.mixed: a whole lab at once on one machine (issue 19). N signed-in researchers, each its own
 * account and session, walk the real HTTP routes of the production build in a loop — an explorer
 * page with filters, a study page, four thumbnails, a preview, a whole image — waiting THINK ms
 * between requests, for SECONDS. The baseline is one researcher walking the same loop in the same run
 * (no think time: a lone user's latency is what the load is compared to). Then the saturation point:
 * SAT_CLIENTS clients with no think time. Every answer must be 2xx (a 204 "no smaller copy" is an
 * answer), the audit chain is verified afterwards, and the RSS of the app and of a running worker is
 * read before and after.
 *
 * Data: the explorer and study pages browse the full-scale synthetic MIMIC-CXR-JPG (227,835 studies,
 * the dataset import.full loads); the images are two public CR/MR test DICOMs (6 MB and 2 MB,
 * uncompressed) of one MIMIC-CXR study, since the synthetic JPG dataset has no pixels to preview.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, readdirSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { labDatasets } from "@/db/schema";
import { verifyAuditChain } from "@/lib/audit/verify";
import { getDb } from "@/lib/db/client";
import { createLab, createUser, credentialMember } from "@/lib/factories";
import { findDataset, importMimicDirectory } from "@/lib/mimic/import/import-directory";
import { ensureAppRole } from "@/scripts/lib/app-role";
import { ensureProductionBuild } from "../support/production-build";
import { runImportCli } from "@/scripts/lib/run-import-cli";
import { miniCxrFiles, miniStudies, writeMini } from "@/tests/mimic/mini-mimic";
import { percentile, round, type BenchContext, type Measure } from "../harness";
import { syntheticVersionDir } from "../support/synthetic-dir";
import { chainBreaks, signIn, startApp, stopApp, type App } from "./audit-concurrent";
import { FULL_STUDIES } from "./mimic-import";

const USERS = Number(process.env.BENCH_LOAD_USERS ?? 50);
const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 60);
const THINK_MS = Number(process.env.BENCH_LOAD_THINK_MS ?? 1000);
const SAT_CLIENTS = Number(process.env.BENCH_LOAD_SAT_CLIENTS ?? 16);
const SAT_SECONDS = Number(process.env.BENCH_LOAD_SAT_SECONDS ?? 15);
const BASELINE_LOOPS = 12;
// Requests of each kind timed for their CPU cost.
const COST_REQUESTS = 40;

// The explorer filters of browse.page_facets, a few of them.
const FILTERS = [
  "label=Pleural Effusion:positive&label=Edema:positive&view=PA&split=train",
  "label=Cardiomegaly:positive&label=Edema:uncertain&view=AP",
  "label=Support Devices:positive&label=Atelectasis:positive&split=train",
  "label=Lung Opacity:positive&view=PA",
  "",
  "label=No Finding:positive&view=PA&split=train",
];

type Kind = "explorer" | "study" | "thumbnail" | "preview" | "image";
type Step = { kind: Kind; url: string };
type Sample = { kind: Kind; ms: number; ok: boolean };

/** CPU seconds (user + system) a process and its descendants have used, from /proc. */
function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      /* gone */
    }
  }
  return ticks / 100;
}

/**
 * CPU seconds this run's database backends spent while `fn` ran. The app's pool opens and closes
 * connections as it goes, so the backends are sampled while it runs (the bench's own is left out).
 */
async function backendCpuDuring(fn: () => Promise<void>): Promise<number> {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const sample = async () => {
    const pids = (await getDb().execute<{ pid: number }>(sql`select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`)).rows.map((r) => Number(r.pid));
    for (const pid of pids) {
      const seconds = cpuSeconds([pid]);
      if (!first.has(pid)) first.set(pid, seconds);
      last.set(pid, Math.max(seconds, last.get(pid) ?? 0));
    }
  };
  await sample();
  let running = true;
  const sampler = (async () => {
    while (running) {
      await new Promise((r) => setTimeout(r, 200));
      await sample();
    }
  })();
  try {
    await fn();
  } finally {
    running = false;
    await sampler;
  }
  await sample();
  return [...last].reduce((sum, [pid, seconds]) => sum + seconds - first.get(pid)!, 0);
}

/** The process and every descendant of it. */
function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${name}/stat`, "utf8").split(") ")[1]!.split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const visit = (p: number) => {
    out.push(p);
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  return out;
}

/** Resident memory of a process and its descendants (next start's server runs in its own child on some versions). */
function rssMb(pid: number): number {
  let kb = 0;
  for (const p of processTree(pid)) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      /* gone */
    }
  }
  return round(kb / 1024, 1);
}

async function request(baseURL: string, cookie: string, step: Step): Promise<Sample> {
  const t0 = performance.now();
  try {
    const res = await fetch(`${baseURL}${step.url}`, { headers: { cookie } });
    await res.arrayBuffer();
    return { kind: step.kind, ms: performance.now() - t0, ok: res.status >= 200 && res.status < 300 };
  } catch {
    return { kind: step.kind, ms: performance.now() - t0, ok: false };
  }
}

/** `cookies.length` users, each walking the loop from its own offset, for `seconds` (or `loops` loops each). */
async function drive(opts: { baseURL: string; cookies: string[]; plan: (i: number) => Step; loopLength: number; thinkMs: number; seconds?: number; loops?: number }): Promise<{ samples: Sample[]; seconds: number }> {
  const samples: Sample[] = [];
  const t0 = performance.now();
  const until = opts.seconds ? t0 + opts.seconds * 1000 : Infinity;
  await Promise.all(
    opts.cookies.map(async (cookie, u) => {
      // Users start spread over the first think time, as people do, not in one burst.
      if (opts.thinkMs) await new Promise((r) => setTimeout(r, (u * opts.thinkMs) / opts.cookies.length));
      for (let i = u * 3; performance.now() < until && (!opts.loops || i < u * 3 + opts.loops * opts.loopLength); i++) {
        samples.push(await request(opts.baseURL, cookie, opts.plan(i)));
        if (opts.thinkMs) await new Promise((r) => setTimeout(r, opts.thinkMs));
      }
    }),
  );
  return { samples, seconds: (performance.now() - t0) / 1000 };
}

function summary(samples: Sample[]) {
  const ms = samples.map((s) => s.ms);
  const byKind: Record<string, number> = {};
  for (const kind of ["explorer", "study", "thumbnail", "preview", "image"] as Kind[]) {
    const k = samples.filter((s) => s.kind === kind).map((s) => s.ms);
    if (k.length) {
      byKind[`${kind}_p50_ms`] = round(percentile(k, 50), 1);
      byKind[`${kind}_p95_ms`] = round(percentile(k, 95), 1);
    }
  }
  return { n: samples.length, errors: samples.filter((s) => !s.ok).length, p50: round(percentile(ms, 50), 1), p95: round(percentile(ms, 95), 1), byKind };
}

export const loadMixed: Measure = {
  name: "load.mixed",
  description: `${USERS} signed-in researchers (${THINK_MS / 1000} s think time, ${SECONDS} s) on explorer, study pages, thumbnails, previews and images at full scale: p95 vs one researcher's p95 of the same mix; then ${SAT_CLIENTS} clients with no think time`,
  async run(ctx: BenchContext) {
    ensureProductionBuild(ctx.log);
    const root = mkdtempSync(path.join(tmpdir(), "labgate-bench-load-"));
    let app: App | undefined;
    let worker: ChildProcess | undefined;
    try {
      // Full-scale explorer data (a no-op when import.full already loaded it in this run).
      const jpgDir = await syntheticVersionDir({ project: "mimic-cxr-jpg", version: "2.0.0", studies: FULL_STUDIES, log: ctx.log });
      const jpg = await findDataset({ slug: "mimic-cxr-jpg", version: "2.0.0" });
      if (!jpg) throw new Error("bench: reference dataset mimic-cxr-jpg 2.0.0 missing");
      const imported = await importMimicDirectory({ dir: jpgDir, dataset: jpg });
      ctx.log(`full-scale MIMIC-CXR-JPG: ${JSON.stringify(imported.counts)}`);

      // One MIMIC-CXR study whose two images are in lab storage.
      const study = miniStudies()[1]!;
      const folder = `files/p${String(study.subject).slice(0, 2)}/p${study.subject}/s${study.study}`;
      const ids = { cr: study.images[0]!.dicom, mr: study.images[1]!.dicom };
      const bytes = {
        [`${folder}/${ids.cr}.dcm`]: readFileSync("tests/fixtures/dicom/cr-mono1-10bit-implicit-le.dcm"),
        [`${folder}/${ids.mr}.dcm`]: readFileSync("tests/fixtures/dicom/mr-mono2-12bit-explicit-le.dcm"),
      };
      const cxrDir = writeMini(path.join(root, "mimic-cxr"), await miniCxrFiles(), { localImages: Object.keys(bytes), imageBytes: bytes });
      const cxrImport = runImportCli({ dir: cxrDir, slug: "mimic-cxr", version: "2.0.0", databaseUrl: ctx.databaseUrl, quiet: true });
      if (!cxrImport.ok) throw new Error(`bench: importing the image study failed:\n${cxrImport.output}`);
      const cxr = await findDataset({ slug: "mimic-cxr", version: "2.0.0" });
      if (!cxr) throw new Error("bench: reference dataset mimic-cxr 2.0.0 missing");

      const db = getDb();
      const lab = await createLab(db);
      const steward = await createUser(db, { labId: lab.id, role: "steward" });
      await db.insert(labDatasets).values([{ labId: lab.id, datasetId: jpg.id }, { labId: lab.id, datasetId: cxr.id }]);
      const researchers = [];
      for (let i = 0; i < USERS; i++) {
        const r = await createUser(db, { labId: lab.id, role: "member" });
        await credentialMember(db, { labId: lab.id, userId: r.id, stewardId: steward.id, datasetIds: [jpg.id, cxr.id] });
        researchers.push(r);
      }
      const studyIds = (await db.execute<{ id: number }>(sql`select study_id as id from mimic_study_facet where dataset_id = ${jpg.id} order by md5(study_id::text) limit 300`)).rows.map((r) => Number(r.id));

      const jpgBase = "/datasets/mimic-cxr-jpg/2.0.0";
      const images = "/api/datasets/mimic-cxr/2.0.0";
      const loop: ((i: number) => Step)[] = [
        (i) => ({ kind: "explorer", url: `${jpgBase}?${FILTERS[i % FILTERS.length]}&page=${1 + (i % 5)}` }),
        (i) => ({ kind: "study", url: i % 4 === 0 ? `/datasets/mimic-cxr/2.0.0/studies/${study.study}` : `${jpgBase}/studies/${studyIds[i % studyIds.length]}` }),
        () => ({ kind: "thumbnail", url: `${images}/thumbnails/${ids.cr}` }),
        () => ({ kind: "thumbnail", url: `${images}/thumbnails/${ids.mr}` }),
        (i) => ({ kind: "preview", url: `${images}/images/${i % 2 ? ids.cr : ids.mr}?fit=768x512` }),
        (i) => ({ kind: "image", url: `${images}/images/${i % 2 ? ids.mr : ids.cr}` }),
      ];
      const plan = (i: number) => loop[i % loop.length]!(Math.floor(i / loop.length));

      // The app and a worker as `npm start` runs them: the restricted database role.
      const appUrl = await ensureAppRole(ctx.databaseUrl);
      const env = { DATABASE_URL: appUrl, LABGATE_STORAGE_DIR: path.join(root, "storage") };
      app = await startApp(env);
      let workerOut = "";
      worker = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/worker.ts"], { env: { ...process.env, ...env, NODE_ENV: "production" }, stdio: ["ignore", "pipe", "pipe"] });
      worker.stdout!.on("data", (c: Buffer) => (workerOut += c.toString()));
      worker.stderr!.on("data", (c: Buffer) => (workerOut += c.toString()));
      for (let i = 0; !workerOut.includes('"msg":"worker running"'); i++) {
        if (worker.exitCode !== null || i > 600) throw new Error(`bench: the worker did not start:\n${workerOut}`);
        await new Promise((r) => setTimeout(r, 200));
      }

      const cookies: string[] = [];
      for (const r of researchers) cookies.push(await signIn(app.baseURL, { email: r.email, password: r.password! }));
      // Warm-up: every route compiled, every thumbnail rendered and cached, pools filled.
      const warm = await drive({ baseURL: app.baseURL, cookies: cookies.slice(0, 4), plan, loopLength: loop.length, thinkMs: 0, loops: 2 });
      if (warm.samples.some((s) => !s.ok)) throw new Error(`bench: warm-up requests failed: ${JSON.stringify(warm.samples.filter((s) => !s.ok))}`);

      const baseline = summary((await drive({ baseURL: app.baseURL, cookies: cookies.slice(0, 1), plan, loopLength: loop.length, thinkMs: 0, loops: BASELINE_LOOPS })).samples);
      ctx.log(`one researcher: ${baseline.n} requests, p50 ${baseline.p50} ms, p95 ${baseline.p95} ms ${JSON.stringify(baseline.byKind)}`);

      // What each kind of request costs in CPU, one at a time: the app's process tree and the database
      // backends of this run's database (the server is shared, so only its own backends are read).
      const cost: Record<string, number> = {};
      for (const kind of ["explorer", "study", "thumbnail", "preview", "image"] as Kind[]) {
        const steps = Array.from({ length: COST_REQUESTS * loop.length }, (_, i) => plan(i)).filter((s) => s.kind === kind).slice(0, COST_REQUESTS);
        const app0 = cpuSeconds(processTree(app.proc.pid!));
        const dbSeconds = await backendCpuDuring(async () => {
          for (const step of steps) if (!(await request(app!.baseURL, cookies[0]!, step)).ok) throw new Error(`bench: ${step.url} failed`);
        });
        cost[`${kind}_app_cpu_ms`] = round(((cpuSeconds(processTree(app.proc.pid!)) - app0) * 1000) / steps.length, 1);
        cost[`${kind}_db_cpu_ms`] = round((dbSeconds * 1000) / steps.length, 1);
      }
      // The mix's CPU per request, and the request rate two cores could serve at most at that cost.
      const mixCpuMs = loop.reduce((sum, step) => sum + cost[`${step(0).kind}_app_cpu_ms`]! + cost[`${step(0).kind}_db_cpu_ms`]!, 0) / loop.length;
      ctx.log(`CPU per request: ${JSON.stringify(cost)}; mix ${round(mixCpuMs, 1)} ms → at most ${round((availableParallelism() * 1000) / mixCpuMs, 1)}/s on ${availableParallelism()} cores`);

      const rssBefore = { app: rssMb(app.proc.pid!), worker: rssMb(worker.pid!) };
      const rows0 = (await db.execute<{ n: number }>(sql`select count(*)::int as n from audit_log`)).rows[0]!.n;
      // What else the machine is doing: on a shared machine the figures are as much its as labgate's.
      const loadBefore = loadavg()[0]!;
      const loaded = await drive({ baseURL: app.baseURL, cookies, plan, loopLength: loop.length, thinkMs: THINK_MS, seconds: SECONDS });
      const load = summary(loaded.samples);
      const rssAfter = { app: rssMb(app.proc.pid!), worker: rssMb(worker.pid!) };
      const rows = (await db.execute<{ n: number }>(sql`select count(*)::int as n from audit_log`)).rows[0]!.n - rows0;
      ctx.log(`${USERS} researchers: ${load.n} requests in ${round(loaded.seconds, 1)} s = ${round(load.n / loaded.seconds, 1)}/s, ${load.errors} errors, p50 ${load.p50} ms, p95 ${load.p95} ms ${JSON.stringify(load.byKind)}; ${rows} audit rows`);
      ctx.log(`RSS app ${rssBefore.app} → ${rssAfter.app} MB, worker ${rssBefore.worker} → ${rssAfter.worker} MB`);

      const sat = await drive({ baseURL: app.baseURL, cookies: cookies.slice(0, SAT_CLIENTS), plan, loopLength: loop.length, thinkMs: 0, seconds: SAT_SECONDS });
      const saturated = summary(sat.samples);
      const rssSat = rssMb(app.proc.pid!);
      ctx.log(`saturation (${SAT_CLIENTS} clients, no think time): ${round(saturated.n / sat.seconds, 1)}/s, ${saturated.errors} errors, p50 ${saturated.p50} ms, p95 ${saturated.p95} ms ${JSON.stringify(saturated.byKind)}; app RSS ${rssSat} MB`);

      const verified = await verifyAuditChain(getDb());
      const breaks = (await chainBreaks()) + (verified.ok ? 0 : 1);
      return {
        ratio: round(load.p95 / baseline.p95),
        p95_ratio: round(load.p95 / baseline.p95),
        errors: load.errors,
        audit_breaks: breaks,
        users: USERS,
        seconds: SECONDS,
        studies: imported.counts.studies ?? FULL_STUDIES,
        rps: round(load.n / loaded.seconds, 1),
        p50_ms: load.p50,
        p95_ms: load.p95,
        single_p50_ms: baseline.p50,
        single_p95_ms: baseline.p95,
        ...Object.fromEntries(Object.entries(load.byKind).map(([k, v]) => [k, v])),
        audit_rows: rows,
        sat_clients: SAT_CLIENTS,
        sat_rps: round(saturated.n / sat.seconds, 1),
        sat_p95_ms: saturated.p95,
        sat_errors: saturated.errors,
        machine_load_1m_before: round(loadBefore, 1),
        machine_load_1m_after: round(loadavg()[0]!, 1),
        app_rss_before_mb: rssBefore.app,
        app_rss_after_mb: rssAfter.app,
        app_rss_after_saturation_mb: rssSat,
        worker_rss_before_mb: rssBefore.worker,
        worker_rss_after_mb: rssAfter.worker,
        mix_cpu_ms: round(mixCpuMs, 1),
        ...cost,
      };
    } finally {
      if (worker && worker.exitCode === null) {
        worker.kill("SIGTERM");
        await new Promise((r) => worker!.once("exit", r));
      }
      await stopApp(app);
      rmSync(root, { recursive: true, force: true });
    }
  },
};
