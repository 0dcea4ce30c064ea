import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";

// The time a download should take, shown before it starts: PhysioNet's rate per connection, measured
// while the worker fetched SHA256SUMS.txt, × the job's lanes (issue 16).

const storageDir = await mkdtemp(path.join(os.tmpdir(), "labgate-dl-estimate-"));
process.env.LABGATE_STORAGE_DIR = storageDir;

const { prepareDownloadJob } = await import("@/lib/downloads/prepare");
const { getJobProgress } = await import("@/lib/downloads/queries");
const s = await import("./support");

afterAll(() => rm(storageDir, { recursive: true, force: true }));

it("measures one connection's rate on SHA256SUMS.txt and estimates the job's time as bytes ÷ (rate × lanes)", { timeout: 60_000 }, async () => {
  // 200 studies: a 68 KB manifest, large enough for its rate to outweigh wget's start.
  const src = await s.makeVersionDir({ studies: 200 });
  const lab = await s.labWithResearcher();
  const manifestBytes = (await stat(path.join(src.root, "SHA256SUMS.txt"))).size;
  // Slow enough that the manifest takes about a second on one connection, as MIMIC's 50 MB does minutes.
  const perConnection = Math.round(manifestBytes / 1.2);
  const { upstream, source } = await s.startServed({ root: src.root, username: lab.researcher.physionetUsername, throttleBytesPerSecond: perConnection });
  try {
    const { id } = await s.createJob(lab, s.everything, { concurrency: 3 });
    await prepareDownloadJob({ jobId: id, source });
    const job = (await getJobProgress({ user: lab.researcher, jobId: id }))!;
    expect(job.state).toBe("ready");
    // Measured, not configured: within what latency and the throttle's granularity allow.
    expect(job.connectionRate).toBeGreaterThan(perConnection * 0.5);
    expect(job.connectionRate).toBeLessThan(perConnection * 1.5);
    expect(job.concurrency).toBe(3);
    expect(job.startEstimateSeconds).toBe(Math.round((job.bytesEstimate - job.bytesDone) / (job.connectionRate! * 3)));
    expect(job.startEstimateSeconds).toBeGreaterThan(0);
  } finally {
    await upstream.close();
    await src.cleanup();
  }
});

it("claims no rate from a manifest too small to measure", { timeout: 60_000 }, async () => {
  const src = await s.makeVersionDir({ studies: 3 });
  const lab = await s.labWithResearcher();
  const { upstream, source } = await s.startServed({ root: src.root, username: lab.researcher.physionetUsername });
  try {
    const { id } = await s.createJob(lab, s.everything);
    await prepareDownloadJob({ jobId: id, source });
    const job = (await getJobProgress({ user: lab.researcher, jobId: id }))!;
    expect(job.state).toBe("ready");
    expect(job).toMatchObject({ connectionRate: null, startEstimateSeconds: null });
  } finally {
    await upstream.close();
    await src.cleanup();
  }
});
