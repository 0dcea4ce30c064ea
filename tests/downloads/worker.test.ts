import type { ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolatedDatabaseForFile } from "../support/isolated-database";
import { watchWholeFiles } from "./whole-files-watch";
import { spawnDownloadWorker, spawnHeldDownloadWorker } from "./spawn-worker";

const db = isolatedDatabaseForFile();
const storageDir = await mkdtemp(path.join(os.tmpdir(), "labgate-dl-worker-"));
process.env.LABGATE_STORAGE_DIR = storageDir;

const { downloadFiles, downloadLanes, mimicCohorts, storedFiles } = await import("@/db/schema");
const { getDb } = await import("@/lib/db/client");
const { stopJobSender } = await import("@/lib/jobs/job-runner");
const { parseSha256Sums, sha256OfFile } = await import("@/lib/physionet/sha256-sums");
const { controlJob } = await import("@/lib/downloads/control");
const s = await import("./support");

const workers = new Set<ChildProcess>();
afterAll(async () => {
  for (const w of workers) w.kill("SIGKILL");
  await stopJobSender();
  await rm(storageDir, { recursive: true, force: true });
});

/** A worker process as a lab runs it (pg-boss, its own connections), pointed at this file's upstream. */
async function workerEnv(source: { baseUrl: string; caCertificate: string | null }, extraEnv: Record<string, string>): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: db.url(), LABGATE_STORAGE_DIR: storageDir, PHYSIONET_BASE_URL: source.baseUrl, TEST_SLICE_MS: "8000", ...extraEnv };
  if (source.caCertificate) {
    env.PHYSIONET_CA_FILE = path.join(storageDir, "upstream-ca.pem");
    await writeFile(env.PHYSIONET_CA_FILE, source.caCertificate);
  }
  return env;
}

function track(child: ChildProcess): ChildProcess {
  workers.add(child);
  child.on("exit", () => workers.delete(child));
  return child;
}

async function startWorker(source: { baseUrl: string; caCertificate: string | null }, log: string[], extraEnv: Record<string, string> = {}): Promise<ChildProcess> {
  return track(await spawnDownloadWorker({ env: await workerEnv(source, extraEnv), log }));
}

/** A worker whose modules load now, while another works; it starts (and takes over orphaned jobs) on start(). */
async function heldWorker(source: { baseUrl: string; caCertificate: string | null }, log: string[]) {
  const held = spawnHeldDownloadWorker({ env: await workerEnv(source, {}), log });
  track(held.child);
  return held;
}

async function waitForState(jobId: string, states: string[], timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const job = await s.jobRow(jobId);
    if (states.includes(job.state)) return job;
    if (Date.now() > until) throw new Error(`job still ${job.state} (${job.error ?? ""})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sha = (filePath: string) => sha256OfFile({ filePath });

describe("download jobs on pg-boss worker processes", () => {
  let src: Awaited<ReturnType<typeof s.makeVersionDir>>;
  let manifest: Map<string, string>;
  const sizes = new Map<string, number>();
  beforeAll(async () => {
    src = await s.makeVersionDir({ studies: 40, big: 8, bigBytes: 2_500_000 });
    manifest = new Map(parseSha256Sums({ text: await readFile(path.join(src.root, "SHA256SUMS.txt"), "utf8") }).map((e) => [e.path, e.sha256]));
    for (const p of manifest.keys()) sizes.set(p, (await stat(path.join(src.root, p))).size);
  });
  afterAll(() => src?.cleanup());

  it("survives SIGKILL of its worker twenty times under resets, 503s and truncation: every file verified, none ever partial in storage, resumed with Range", { timeout: 400_000 }, async () => {
    const lab = await s.labWithResearcher();
    const { upstream, source } = await s.startServed({
      root: src.root,
      username: lab.researcher.physionetUsername,
      throttleBytesPerSecond: 200_000,
      faults: { resetMidBody: { probability: 0.04 }, serviceUnavailable: { probability: 0.04 }, truncateBody: { probability: 0.04 }, seed: 5 },
    });
    const log: string[] = [];
    const root = path.join(storageDir, "downloads", s.SLUG, s.VERSION);
    // Watches lab storage the whole time: a visible file must be whole (right size; its bytes are checked at the end).
    const watch = watchWholeFiles(root, sizes);
    try {
      const { id } = await s.createJob(lab, s.everything);
      let worker = await startWorker(source, log);
      await waitForState(id, ["ready"], 60_000);
      await controlJob({ user: lab.researcher, jobId: id, input: { action: "start", keepPassword: false }, ip: null });
      let kills = 0;
      // Each replacement is a new process, let go only after the kill (it then takes the orphaned job
      // over, as a restarted worker does); its modules load ahead, while earlier workers run. A worker
      // runs as long as before (the random wait): only the time with no worker at all gets shorter.
      const ahead = [await heldWorker(source, log), await heldWorker(source, log)];
      for (; kills < 20; kills++) {
        await new Promise((r) => setTimeout(r, 400 + Math.random() * 1_600));
        if ((await s.jobRow(id)).state !== "running") break;
        worker.kill("SIGKILL");
        await new Promise((r) => worker.once("exit", r));
        worker = await ahead.shift()!.start();
        ahead.push(await heldWorker(source, log));
      }
      for (const held of ahead) held.child.kill("SIGKILL");
      const done = await waitForState(id, ["completed", "incomplete", "failed"], 180_000);
      const failed = await getDb().select({ path: downloadFiles.path, error: downloadFiles.error, attempts: downloadFiles.attempts }).from(downloadFiles).where(eq(downloadFiles.jobId, id));
      expect(done.state, JSON.stringify(failed.filter((f) => f.error))).toBe("completed");
      expect(kills).toBe(20);
      worker.kill("SIGTERM");
    } finally {
      await watch.stop();
      await upstream.close();
    }
    expect(watch.violations).toEqual([]);
    const stored = await getDb().select().from(storedFiles).where(eq(storedFiles.labId, lab.labId));
    expect(stored).toHaveLength(manifest.size);
    for (const f of stored) expect(await sha(path.join(storageDir, f.storageKey)), f.path).toBe(manifest.get(f.path));
    const total = [...sizes.values()].reduce((a, b) => a + b, 0);
    // Killed transfers resumed where they stopped instead of starting over.
    expect(upstream.stats.rangeRequests).toBeGreaterThan(5);
    expect(upstream.stats.bodyBytes).toBeLessThan(total * 1.6);
  });

  it("lets two workers share one job without fetching any file twice", { timeout: 120_000 }, async () => {
    const lab = await s.labWithResearcher();
    const { upstream, source } = await s.startServed({ root: src.root, username: lab.researcher.physionetUsername, throttleBytesPerSecond: 500_000 });
    const firstLog: string[] = [];
    const secondLog: string[] = [];
    try {
      const { id } = await s.createJob(lab, s.everything);
      // One drive poller each: a worker works one share (two lanes) of a job at a time, so the
      // job's second share has to go to the other worker.
      const first = await startWorker(source, firstLog, { TEST_DRIVE_POLLERS: "1" });
      await waitForState(id, ["ready"], 60_000);
      const second = await startWorker(source, secondLog, { TEST_DRIVE_POLLERS: "1" });
      await controlJob({ user: lab.researcher, jobId: id, input: { action: "start", keepPassword: false }, ip: null });
      const holders = new Set<string>();
      for (;;) {
        for (const l of await getDb().select({ worker: downloadLanes.worker }).from(downloadLanes).where(eq(downloadLanes.jobId, id))) holders.add(l.worker);
        const job = await s.jobRow(id);
        if (job.state !== "running") break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const log = [...firstLog, "--- second worker ---\n", ...secondLog].join("");
      expect((await s.jobRow(id)).state, log).toBe("completed");
      // Both held lanes of the job: a drive that took none answers no_free_lane (or not_running). Read
      // from each worker's own log, because a share that finds every file claimed holds its lanes for
      // milliseconds, too briefly for the lane table's sampling above to see.
      const heldLanes = (l: string[]) => /downloads\.drive \{"outcome":"(continue|ended)"/.test(l.join(""));
      expect({ first: heldLanes(firstLog), second: heldLanes(secondLog) }, `lane holders seen: ${[...holders].join(", ")}\n${log}`).toEqual({ first: true, second: true });
      expect(upstream.stats.connections.peak).toBeLessThanOrEqual(4 + 1);
      const total = [...sizes.values()].reduce((a, b) => a + b, 0);
      expect(upstream.stats.bodyBytes).toBeLessThan(total * 1.02);
      first.kill("SIGTERM");
      second.kill("SIGTERM");
    } finally {
      await upstream.close();
    }
  });

  it("downloads the images of a saved cohort (a JPG cohort picks the same studies' DICOMs)", { timeout: 120_000 }, async () => {
    const lab = await s.labWithResearcher();
    const { labDatasets } = await import("@/db/schema");
    const { findDataset, importMimicDirectory } = await import("@/lib/mimic/import/import-directory");
    const { writeSyntheticVersion } = await import("@/lib/mimic/synth/write-version");
    const { credentialMember } = await import("@/lib/factories");
    const { cohortStudyIds } = await import("@/lib/downloads/cohort-studies");
    const { prepareDownloadJob } = await import("@/lib/downloads/prepare");
    // The explorer's data: MIMIC-CXR-JPG of the same synthetic studies (same seed) as the served MIMIC-CXR.
    const jpgDir = await mkdtemp(path.join(os.tmpdir(), "labgate-dl-jpg-"));
    await writeSyntheticVersion({ out: jpgDir, project: "mimic-cxr-jpg", version: "2.0.0", studies: 40, seed: 7 });
    const jpg = (await findDataset({ slug: "mimic-cxr-jpg", version: "2.0.0" }))!;
    await importMimicDirectory({ dir: jpgDir, dataset: jpg });
    await getDb().insert(labDatasets).values({ labId: lab.labId, datasetId: jpg.id });
    await credentialMember(getDb(), { labId: lab.labId, userId: lab.researcher.id, stewardId: lab.steward.id, datasetIds: [jpg.id] });
    const [cohort] = await getDb().insert(mimicCohorts).values({ labId: lab.labId, datasetId: jpg.id, name: "Lateral views", query: "view=LATERAL", studyCount: 0, createdBy: lab.researcher.id }).returning();
    const { upstream, source } = await s.startServed({ root: src.root, username: lab.researcher.physionetUsername });
    try {
      const studies = await cohortStudyIds(getDb(), { user: lab.researcher, cohortId: cohort!.id });
      expect(studies.size).toBeGreaterThan(3);
      const { id } = await s.createJob(lab, { mode: "filter", metadata: false, reports: false, images: "dcm", other: false, studies: { kind: "cohort", cohortId: cohort!.id } });
      await prepareDownloadJob({ jobId: id, source });
      const rows = await getDb().select({ path: downloadFiles.path }).from(downloadFiles).where(eq(downloadFiles.jobId, id));
      const expected = [...manifest.keys()].filter((p) => p.endsWith(".dcm") && studies.has(Number(/\/s(\d+)\//.exec(p)?.[1])));
      expect(rows.map((r) => r.path).sort()).toEqual(expected.sort());
      expect((await s.jobRow(id)).description).toBe("DICOM images of cohort “Lateral views”");
    } finally {
      await upstream.close();
      await rm(jpgDir, { recursive: true, force: true });
    }
  });
});
