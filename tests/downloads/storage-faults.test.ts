import type { ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { and, eq, gt } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { isolatedDatabaseForFile } from "../support/isolated-database";
import { spawnDownloadWorker } from "./spawn-worker";

// Lab storage failing under a running download, in a worker process as a lab runs it: a folder of
// lab storage removed and replaced by a file, and an S3 bucket removed. Each failure
// is a failed attempt of the files it hit (recorded, shown on the download page, retried), never the
// end of the worker process; the job completes once storage is back.

const db = isolatedDatabaseForFile();
const tmp = await mkdtemp(path.join(os.tmpdir(), "labgate-dl-storage-faults-"));
process.env.LABGATE_STORAGE_DIR = path.join(tmp, "storage");

const { downloadFiles, storedFiles } = await import("@/db/schema");
const { getDb } = await import("@/lib/db/client");
const { controlJob } = await import("@/lib/downloads/control");
const { getJobProgress } = await import("@/lib/downloads/queries");
const { parseSha256Sums } = await import("@/lib/physionet/sha256-sums");
const s = await import("./support");

const workers = new Set<ChildProcess>();
afterAll(async () => {
  for (const w of workers) w.kill("SIGKILL");
  const { stopJobSender } = await import("@/lib/jobs/job-runner");
  await stopJobSender();
  await rm(tmp, { recursive: true, force: true });
});

async function startWorker(source: { baseUrl: string }, log: string[], env: Record<string, string>): Promise<ChildProcess> {
  const child = await spawnDownloadWorker({ env: { ...process.env, DATABASE_URL: db.url(), PHYSIONET_BASE_URL: source.baseUrl, TEST_SLICE_MS: "20000", ...env }, log, startTimeoutMs: 120_000 });
  workers.add(child);
  child.on("exit", () => workers.delete(child));
  return child;
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}\n`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Runs one job on a worker process, calls `breakStorage` once the first files are stored, waits until
 * the download page shows a file that could not be stored, calls `repair`, and waits for the job to end.
 */
async function downloadThroughStorageFault(opts: {
  env: Record<string, string>;
  breakStorage: () => Promise<void>;
  repair: () => Promise<void>;
}) {
  const src = await s.makeVersionDir({ studies: 6, big: 4, bigBytes: 400_000 });
  const lab = await s.labWithResearcher();
  // Throttled, so the transfer outlasts the fault.
  const { upstream, source } = await s.startServed({ root: src.root, username: lab.researcher.physionetUsername, throttleBytesPerSecond: 150_000 });
  const log: string[] = [];
  try {
    const manifest = new Map(parseSha256Sums({ text: await readFile(path.join(src.root, "SHA256SUMS.txt"), "utf8") }).map((e) => [e.path, e.sha256]));
    const { id } = await s.createJob(lab, s.everything);
    const worker = await startWorker(source, log, opts.env);
    await waitFor("the job to be ready", async () => (await s.jobRow(id)).state === "ready", 60_000);
    await controlJob({ user: lab.researcher, jobId: id, input: { action: "start", keepPassword: false }, ip: null });
    await waitFor("the first stored files", async () => (await s.jobRow(id)).filesDone > 0, 60_000);
    await opts.breakStorage();
    // What the download page shows while storage is broken: the file, its attempt, and why.
    const shown = await waitFor(
      "a file that could not be stored, on the download page",
      async () => {
        if (worker.exitCode !== null) throw new Error(`the worker process died (code ${worker.exitCode}):\n${log.join("")}`);
        return (await getJobProgress({ user: lab.researcher, jobId: id }))?.problems.find((p) => p.error.includes("could not be moved into lab storage"));
      },
      30_000,
    );
    expect(shown.error, log.join("")).toMatch(/^attempt \d+: could not be moved into lab storage: .+; will retry$/);
    // Neither a server path nor the file's path (it names a subject and a study) is in the error: the
    // steward, who does not hold access to the dataset, sees the error without them.
    expect(shown.error).not.toMatch(/files\/p1\d|\/tmp\/|downloads\//);
    const steward = (await getJobProgress({ user: lab.steward, jobId: id }))!;
    expect(steward.pathsHidden).toBe(true);
    expect(JSON.stringify(steward.problems)).not.toMatch(/files\/p1\d|\/tmp\//);
    expect(worker.exitCode, log.join("")).toBeNull();
    await opts.repair();
    const repairedAt = new Date();
    const done = await waitFor("the job to end", async () => {
      const job = await s.jobRow(id);
      return ["completed", "incomplete", "failed"].includes(job.state) ? job : null;
    }, 120_000);
    const files = await getDb().select().from(downloadFiles).where(eq(downloadFiles.jobId, id));
    expect(done.state, `${JSON.stringify(files.filter((f) => f.error))}\n${log.join("")}`).toBe("completed");
    // The same worker process did it all: the storage failure never ended it.
    expect(worker.exitCode).toBeNull();
    expect(log.join("")).not.toMatch(/unhandled|Unhandled/);
    // The files the fault hit were retried (an attempt counted) and then verified and stored.
    const retried = files.filter((f) => f.attempts > 0);
    expect(retried.length).toBeGreaterThan(0);
    for (const f of retried) expect(f.state).toBe("done");
    worker.kill("SIGTERM");
    return { lab, manifest, repairedAt, jobId: id };
  } finally {
    await upstream.close();
    await src.cleanup();
  }
}

describe("a download whose lab storage fails mid-transfer", () => {
  it("a folder of lab storage removed (and a file in its place): those files fail, retry and complete; the worker lives on", { timeout: 240_000 }, async () => {
    const storageDir = path.join(tmp, "storage");
    const versionDir = path.join(storageDir, "downloads", s.SLUG, s.VERSION);
    const { lab, manifest, repairedAt } = await downloadThroughStorageFault({
      env: { LABGATE_STORAGE_DIR: storageDir },
      breakStorage: async () => {
        // Moved away at once (an rm -r would race the worker's writes into it), then a file in its place.
        const aside = `${versionDir}.removed`;
        for (;;) {
          await rename(versionDir, aside);
          const placed = await writeFile(versionDir, "not a folder", { flag: "wx" }).then(() => true, () => false);
          await rm(aside, { recursive: true, force: true });
          if (placed) return;
        }
      },
      repair: () => rm(versionDir, { force: true }),
    });
    // Files stored since the folder is back are whole. Those placed before it went with the folder —
    // including one placed just before the sabotage whose row was written just after the repair (the
    // file is placed, then recorded), so a missing file is no fault; a present one must be whole.
    const stored = await getDb().select().from(storedFiles).where(and(eq(storedFiles.labId, lab.labId), gt(storedFiles.storedAt, repairedAt)));
    const present = (await Promise.all(stored.map(async (f) => ({ f, bytes: await readFile(path.join(storageDir, f.storageKey)).catch(() => null) })))).filter((x) => x.bytes);
    expect(present.length).toBeGreaterThan(0);
    for (const { f, bytes } of present) expect(createHash("sha256").update(bytes!).digest("hex"), f.path).toBe(manifest.get(f.path));
  });

  it("an S3 bucket removed: failed PUTs are recorded and retried, and the job completes once it is back", { timeout: 240_000 }, async () => {
    const { default: S3rver } = await import("@20minutes/s3rver");
    const { createS3Storage } = await import("@/lib/storage/s3-storage");
    const directory = path.join(tmp, "s3rver");
    const server: { run(): Promise<AddressInfo>; close(): Promise<void> } = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory, configureBuckets: [{ name: "lab" }] });
    const { port } = await server.run();
    const endpoint = `http://127.0.0.1:${port}`;
    // s3rver keeps a bucket as a folder and looks for it on every request: moved away, the bucket is
    // gone (PUTs answer NoSuchBucket) until it is moved back, objects and all.
    const bucketDir = path.join(directory, "lab");
    try {
      const { lab, manifest } = await downloadThroughStorageFault({
        env: {
          LABGATE_STORAGE_DIR: path.join(tmp, "unused-local"),
          LABGATE_DOWNLOAD_STAGING_DIR: path.join(tmp, "s3-staging"),
          LABGATE_STORAGE_BACKEND: "s3",
          LABGATE_S3_ENDPOINT: endpoint,
          LABGATE_S3_BUCKET: "lab",
          LABGATE_S3_ACCESS_KEY_ID: "S3RVER",
          LABGATE_S3_SECRET_ACCESS_KEY: "S3RVER",
        },
        breakStorage: () => rename(bucketDir, `${bucketDir}.removed`),
        repair: async () => {
          // A PUT already past s3rver's bucket check when the folder moved writes its object into a
          // new folder of the old name: that object was stored, so it joins the bucket's others.
          if (existsSync(bucketDir)) {
            await cp(bucketDir, `${bucketDir}.removed`, { recursive: true, force: true });
            await rm(bucketDir, { recursive: true, force: true });
          }
          await rename(`${bucketDir}.removed`, bucketDir);
        },
      });
      const storage = createS3Storage({ endpoint, region: "us-east-1", bucket: "lab", accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });
      const stored = await getDb().select().from(storedFiles).where(eq(storedFiles.labId, lab.labId));
      expect(stored).toHaveLength(manifest.size);
      for (const f of stored) expect(createHash("sha256").update((await storage.get(f.storageKey))!).digest("hex"), f.path).toBe(manifest.get(f.path));
    } finally {
      await server.close();
    }
  });
});
