import type { ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMirrorServer } from "@/lib/physionet/upstream/mirror-server";
import { isolatedDatabaseForFile } from "../support/isolated-database";
import { filesContaining } from "./secret-scan";
import { watchWholeFiles } from "./whole-files-watch";
import { spawnDownloadWorker } from "./spawn-worker";

// PhysioNet's cloud mirrors (decision 032) against the S3-like test mirror on loopback
// (lib/physionet/upstream/mirror-server.ts): bucket policy per access key, requester pays, faults,
// and a worker process killed with kill -9 in the middle of a mirror download.

const db = isolatedDatabaseForFile();
const tmp = await mkdtemp(path.join(os.tmpdir(), "labgate-dl-mirror-"));
const storageDir = path.join(tmp, "storage");
process.env.LABGATE_STORAGE_DIR = storageDir;

const AWS_BUCKET = "mimic-cxr-2-0-0";
const GCS_BUCKET = "mimic-cxr-2.0.0.physionet.org";
const RESEARCHER = { accessKeyId: "AKIARESEARCHER000001", secretAccessKey: "res-secret/with+chars=0123456789" };
const OUTSIDER = { accessKeyId: "AKIAOUTSIDER00000001", secretAccessKey: "outsider-secret-0123456789" };
const GOOGLE = { accessKeyId: "GOOG1ERESEARCHERHMAC0001", secretAccessKey: "google-hmac-secret-0123456789+/" };
const keys = Object.fromEntries([RESEARCHER, OUTSIDER, GOOGLE].map((k) => [k.accessKeyId, k.secretAccessKey]));

// The mirror starts empty; each test points its buckets at a version directory.
const emptyRoot = await mkdtemp(path.join(tmp, "empty-"));
const mirror = await startMirrorServer({ buckets: [], keys });
process.env.LABGATE_MIRROR_AWS_ENDPOINT = mirror.url;
process.env.LABGATE_MIRROR_GCS_ENDPOINT = mirror.url;
process.env.LABGATE_MIRROR_BILLING_PROJECT = "lab-billing-project";
process.env.LABGATE_MIRROR_EGRESS_USD_PER_GB = "0.1";

const { auditLog, cloudIdentities, downloadFiles, storedFiles } = await import("@/db/schema");
const { getDb } = await import("@/lib/db/client");
const { stopJobSender } = await import("@/lib/jobs/job-runner");
const { parseSha256Sums, sha256OfFile } = await import("@/lib/physionet/sha256-sums");
const { verifyWithMirror } = await import("@/lib/credentialing/verify-with-mirror");
const { prepareDownloadJob } = await import("@/lib/downloads/prepare");
const { controlJob } = await import("@/lib/downloads/control");
const { openMirror } = await import("@/lib/downloads/mirror/client");
const { fetchMirrorFile, CHUNK_BYTES } = await import("@/lib/downloads/mirror/fetch-file");
const s = await import("./support");

// PhysioNet's source is never asked for a mirror job: an address nothing listens on.
const nowhere = { baseUrl: "http://127.0.0.1:9", caCertificate: null };

let src: Awaited<ReturnType<typeof s.makeVersionDir>>;
let manifest: Map<string, string>;
const sizes = new Map<string, number>();
beforeAll(async () => {
  // Two files over the 8 MiB chunk: fetched as parallel ranged GETs written at their offsets.
  src = await s.makeVersionDir({ studies: 10, big: 2, bigBytes: 20_000_000 });
  manifest = new Map(parseSha256Sums({ text: await readFile(path.join(src.root, "SHA256SUMS.txt"), "utf8") }).map((e) => [e.path, e.sha256]));
  for (const p of manifest.keys()) sizes.set(p, (await stat(path.join(src.root, p))).size);
  await mirror.configure({
    buckets: [
      { name: AWS_BUCKET, root: src.root, allow: [RESEARCHER.accessKeyId] },
      { name: GCS_BUCKET, root: src.root, allow: [GOOGLE.accessKeyId], requesterPays: true },
    ],
  });
}, 120_000);

const workers = new Set<ChildProcess>();
afterAll(async () => {
  for (const w of workers) w.kill("SIGKILL");
  await stopJobSender();
  await mirror.close();
  await src?.cleanup();
  await rm(tmp, { recursive: true, force: true });
  void emptyRoot;
});

async function verifyAs(user: Awaited<ReturnType<typeof s.labWithResearcher>>["member"], datasetId: string, provider: "aws" | "gcs", k: typeof RESEARCHER, identity: string, keepKeys = false) {
  return verifyWithMirror({ actor: user, ip: "127.0.0.1", input: { datasetId, provider, identity, ...k, keepKeys } });
}

async function expectAllVerified(labId: string) {
  const stored = await getDb().select().from(storedFiles).where(eq(storedFiles.labId, labId));
  expect(stored.map((f) => f.path).sort()).toEqual([...manifest.keys()].sort());
  for (const f of stored) expect(await sha256OfFile({ filePath: path.join(storageDir, f.storageKey) }), f.path).toBe(manifest.get(f.path));
}

describe("Verify with the mirror", () => {
  it("records 200 for a listed AWS key, 403 for a key the bucket policy does not list and for a wrong secret; keys kept nowhere unless asked", async () => {
    const lab = await s.labWithResearcher();
    const ok = await verifyAs(lab.researcher, lab.datasetId, "aws", RESEARCHER, "arn:aws:iam::123456789012:user/rae");
    expect(ok).toMatchObject({ outcome: "confirmed", httpStatus: 200, bucket: AWS_BUCKET });
    const [row] = await getDb().select().from(cloudIdentities).where(eq(cloudIdentities.userId, lab.researcher.id));
    expect(row).toMatchObject({ provider: "aws", identity: "arn:aws:iam::123456789012:user/rae", verifiedOutcome: "confirmed", verifiedStatus: 200, keysCiphertext: null });

    const denied = await verifyAs(lab.member, lab.datasetId, "aws", OUTSIDER, "210987654321");
    expect(denied).toMatchObject({ outcome: "not_authorized", httpStatus: 403 });
    expect(denied.message).toMatch(/PhysioNet has not granted this cloud identity/);
    const wrongSecret = await verifyAs(lab.researcher, lab.datasetId, "aws", { ...RESEARCHER, secretAccessKey: "not-the-secret-0123456789" }, "123456789012");
    expect(wrongSecret).toMatchObject({ outcome: "not_authorized", httpStatus: 403 });

    // Kept when asked, sealed: the secret is in no column, no audit row.
    await verifyAs(lab.researcher, lab.datasetId, "aws", RESEARCHER, "123456789012", true);
    const [kept] = await getDb().select().from(cloudIdentities).where(eq(cloudIdentities.userId, lab.researcher.id));
    expect(kept!.keysCiphertext).toBeTruthy();
    const dump = JSON.stringify(await getDb().select().from(cloudIdentities)) + JSON.stringify(await getDb().select().from(auditLog));
    expect(dump).not.toContain(RESEARCHER.secretAccessKey);
    expect(dump).not.toContain(RESEARCHER.accessKeyId);
    const audits = await getDb().select().from(auditLog).where(and(eq(auditLog.labId, lab.labId), eq(auditLog.action, "mirror.verify")));
    expect(audits.map((a) => [a.outcome, (a.details as { httpStatus: number }).httpStatus])).toEqual(
      expect.arrayContaining([
        ["ok", 200],
        ["denied", 403],
      ]),
    );
  });

  it("reads a requester-pays Google bucket with HMAC keys, which answers 403 without x-amz-request-payer", async () => {
    const lab = await s.labWithResearcher();
    const before = mirror.stats.denied.requesterPays;
    const plain = new S3Client({ region: "auto", endpoint: mirror.url, forcePathStyle: true, credentials: GOOGLE });
    await expect(plain.send(new HeadObjectCommand({ Bucket: GCS_BUCKET, Key: "SHA256SUMS.txt" }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    await expect(plain.send(new GetObjectCommand({ Bucket: GCS_BUCKET, Key: "SHA256SUMS.txt", RequestPayer: "requester" }))).resolves.toBeTruthy();
    plain.destroy();
    expect(mirror.stats.denied.requesterPays).toBe(before + 1);
    const ok = await verifyAs(lab.researcher, lab.datasetId, "gcs", GOOGLE, "rae@example.edu");
    expect(ok).toMatchObject({ outcome: "confirmed", httpStatus: 200, bucket: GCS_BUCKET });
  });
});

describe("the rules around it", () => {
  it("takes buckets only from the catalogue, checks identities, and refuses a mirror job without a recorded identity", async () => {
    const { mirrorLocation } = await import("@/lib/datasets/physionet-catalogue");
    const { identitySchema } = await import("@/lib/downloads/mirror/identities");
    expect(mirrorLocation("mimic-cxr-jpg", "2.1.0", "gcs")).toEqual({ provider: "gcs", bucket: "mimic-cxr-jpg-2.1.0.physionet.org", prefix: "", requesterPays: true });
    expect(mirrorLocation("mimic-iv-demo", "2.2", "aws")).toBeNull();
    expect(mirrorLocation("mimic-cxr", "9.9.9", "aws")).toBeNull();
    expect(identitySchema.safeParse({ provider: "aws", identity: "12345" }).success).toBe(false);
    expect(identitySchema.safeParse({ provider: "aws", identity: "arn:aws:iam::123456789012:user/rae" }).success).toBe(true);
    expect(identitySchema.safeParse({ provider: "gcs", identity: "123456789012" }).success).toBe(false);
    const lab = await s.labWithResearcher();
    await expect(s.createJob(lab, s.everything, { source: "mirror", mirrorKeys: RESEARCHER, password: undefined })).rejects.toThrow(/Record your cloud identity/);
  });

  it("keeps one identity row and one audit row per answered check under 24 parallel verifications", async () => {
    const lab = await s.labWithResearcher();
    const settled = await Promise.allSettled(Array.from({ length: 24 }, () => verifyAs(lab.researcher, lab.datasetId, "aws", RESEARCHER, "123456789012")));
    const answered = settled.filter((r) => r.status === "fulfilled");
    expect(answered.length).toBeGreaterThan(0);
    for (const r of answered) expect((r as PromiseFulfilledResult<{ outcome: string }>).value.outcome).toBe("confirmed");
    // Any refusal is the rate limit's, never a failed insert.
    for (const r of settled.filter((x) => x.status === "rejected")) expect(String((r as PromiseRejectedResult).reason)).toMatch(/Too many|try again/i);
    expect(await getDb().select().from(cloudIdentities).where(eq(cloudIdentities.userId, lab.researcher.id))).toHaveLength(1);
    const audits = await getDb().select().from(auditLog).where(and(eq(auditLog.labId, lab.labId), eq(auditLog.action, "mirror.verify")));
    expect(audits).toHaveLength(answered.length);
  });
});

describe("fetching one large file", () => {
  it("trusts staged bytes only as far as the prefix marker says: past it they are fetched again, and without a marker the file starts over", { timeout: 60_000 }, async () => {
    const access = openMirror({ provider: "aws", slug: s.SLUG, version: s.VERSION, keys: RESEARCHER, endpoints: { aws: mirror.url, awsRegion: "us-east-1", gcs: mirror.url, billingProject: null } });
    try {
      const filePath = src.bigPaths[0]!;
      const size = sizes.get(filePath)!;
      const real = await readFile(path.join(src.root, filePath));
      const destination = path.join(tmp, "fetch-one", "big.dcm");
      const marker = path.join(tmp, "fetch-one", ".big.dcm.prefix");
      const fetch = (resume: boolean) => fetchMirrorFile({ access, filePath, destination, size, resume });
      const fresh = await fetch(false);
      expect(fresh).toEqual({ size, sha256: manifest.get(filePath), resumedFrom: 0 });
      expect(await sha256OfFile({ filePath: destination })).toBe(manifest.get(filePath));
      await expect(stat(marker)).rejects.toThrow(/ENOENT/);

      // A crash left the first range hashed and marked, and wrong bytes (a later range cut off, holes) after it.
      const staged = Buffer.alloc(size, 0x5a);
      real.copy(staged, 0, 0, CHUNK_BYTES);
      await writeFile(destination, staged);
      await writeFile(marker, String(CHUNK_BYTES).padStart(20, "0"));
      mirror.stats.rangeStarts.delete(filePath);
      const resumed = await fetch(true);
      expect(resumed).toEqual({ size, sha256: manifest.get(filePath), resumedFrom: CHUNK_BYTES });
      expect(await sha256OfFile({ filePath: destination })).toBe(manifest.get(filePath));
      expect(mirror.stats.rangeStarts.get(filePath)?.sort((a, b) => a - b)).toEqual([CHUNK_BYTES, 2 * CHUNK_BYTES]);

      // The same bytes without a marker: nothing of them is trusted.
      await writeFile(destination, staged);
      const over = await fetch(true);
      expect(over).toEqual({ size, sha256: manifest.get(filePath), resumedFrom: 0 });
      expect(await sha256OfFile({ filePath: destination })).toBe(manifest.get(filePath));
    } finally {
      access.close();
    }
  });
});

describe("downloads from the mirror", () => {
  it("ends verified through resets, 503 SlowDown and truncated bodies, resuming with Range; keys dropped at the end; the audit names source and identity", { timeout: 180_000 }, async () => {
    const lab = await s.labWithResearcher();
    await verifyAs(lab.researcher, lab.datasetId, "aws", RESEARCHER, "123456789012");
    await mirror.configure({ faults: { resetMidBody: { probability: 0.12 }, slowDown: { probability: 0.1 }, truncateBody: { probability: 0.12 }, seed: 9 } });
    const faultsBefore = { ...mirror.stats.faults };
    try {
      const { id } = await s.createJob(lab, s.everything, { source: "mirror", mirrorKeys: RESEARCHER, password: undefined });
      await prepareDownloadJob({ jobId: id, source: nowhere });
      const ready = await s.jobRow(id);
      expect(ready.state, ready.error ?? "").toBe("ready");
      // The mirror's listing gives every size: the estimate is exact before anything is fetched.
      expect(ready.estimateExact).toBe(true);
      expect(ready.bytesEstimate).toBe([...sizes.values()].reduce((a, b) => a + b, 0));
      await controlJob({ user: lab.researcher, jobId: id, input: { action: "start", keepPassword: false }, ip: null });
      const results = await s.driveUntilEnded(id, nowhere);
      expect(results.at(-1)).toEqual({ outcome: "ended", state: "completed" });
    } finally {
      await mirror.configure({ faults: {} });
    }
    expect(mirror.stats.faults.resetMidBody).toBeGreaterThan(faultsBefore.resetMidBody);
    expect(mirror.stats.faults.slowDown).toBeGreaterThan(faultsBefore.slowDown);
    expect(mirror.stats.faults.truncateBody).toBeGreaterThan(faultsBefore.truncateBody);
    await expectAllVerified(lab.labId);
    const [identity] = await getDb().select().from(cloudIdentities).where(eq(cloudIdentities.userId, lab.researcher.id));
    expect(identity!.keysCiphertext).toBeNull();
    const created = await getDb().select().from(auditLog).where(and(eq(auditLog.labId, lab.labId), sql`${auditLog.action} in ('download.create', 'download.start')`));
    expect(created).toHaveLength(2);
    for (const row of created) expect(row.details).toMatchObject({ source: "mirror", cloudProvider: "aws", cloudIdentity: "123456789012" });
  });

  it("downloads from a requester-pays Google bucket with HMAC keys, and estimates time per source and the egress the lab pays", { timeout: 120_000 }, async () => {
    const { getJobProgress } = await import("@/lib/downloads/queries");
    const lab = await s.labWithResearcher();
    await verifyAs(lab.researcher, lab.datasetId, "gcs", GOOGLE, "rae@example.edu");
    const deniedBefore = mirror.stats.denied.requesterPays;
    const { id } = await s.createJob(lab, s.everything, { source: "mirror", mirrorKeys: GOOGLE, password: undefined });
    await prepareDownloadJob({ jobId: id, source: nowhere });
    const ready = await getJobProgress({ user: lab.researcher, jobId: id });
    expect(ready?.state).toBe("ready");
    expect(ready?.cloudIdentity).toBe("Google rae@example.edu");
    const total = [...sizes.values()].reduce((a, b) => a + b, 0);
    const mirrorEstimate = ready!.sourceEstimates.find((e) => e.source === "mirror");
    expect(mirrorEstimate).toMatchObject({ egressUsdPerGb: 0.1, egressUsd: Math.round((total / 1e9) * 0.1 * 100) / 100 });
    // PhysioNet was never asked for this lab: no rate to estimate from.
    expect(ready!.sourceEstimates.find((e) => e.source === "physionet")).toMatchObject({ rate: null, seconds: null, egressUsd: null });
    await controlJob({ user: lab.researcher, jobId: id, input: { action: "start", keepPassword: false }, ip: null });
    expect((await s.driveUntilEnded(id, nowhere)).at(-1)).toEqual({ outcome: "ended", state: "completed" });
    await expectAllVerified(lab.labId);
    // Every request carried the request-payer header: none was refused for it.
    expect(mirror.stats.denied.requesterPays).toBe(deniedBefore);
    expect(mirror.stats.readers.has(GOOGLE.accessKeyId)).toBe(true);
    // Billed to the lab's project, not the member's.
    expect([...mirror.stats.billingProjects]).toEqual(["lab-billing-project"]);
  });

  it("refuses a member the bucket policy does not list with PhysioNet's reason", { timeout: 60_000 }, async () => {
    const lab = await s.labWithResearcher();
    await verifyAs(lab.researcher, lab.datasetId, "aws", OUTSIDER, "210987654321");
    const { id } = await s.createJob(lab, s.everything, { source: "mirror", mirrorKeys: OUTSIDER, password: undefined });
    await prepareDownloadJob({ jobId: id, source: nowhere });
    const job = await s.jobRow(id);
    expect(job.state).toBe("failed");
    expect(job.error).toMatch(/cloud mirror refused access to mimic-cxr 2\.0\.0 \(HTTP 403\): PhysioNet grants/);
    const [identity] = await getDb().select().from(cloudIdentities).where(eq(cloudIdentities.userId, lab.researcher.id));
    expect(identity!.keysCiphertext).toBeNull();
  });

  it("survives kill -9 of its worker process: every file verified, none ever partial in lab storage, no key on disk", { timeout: 300_000 }, async () => {
    const lab = await s.labWithResearcher();
    await verifyAs(lab.researcher, lab.datasetId, "aws", RESEARCHER, "123456789012");
    await mirror.configure({ throttleBytesPerSecond: 1_500_000 });
    const log: string[] = [];
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: db.url(), LABGATE_STORAGE_DIR: storageDir, LABGATE_WGET_DIR: path.join(tmp, "wget"), TEST_SLICE_MS: "8000" };
    const start = async () => {
      const child = await spawnDownloadWorker({ env, log });
      workers.add(child);
      child.on("exit", () => workers.delete(child));
      return child;
    };
    const root = path.join(storageDir, "downloads", s.SLUG, s.VERSION);
    const watch = watchWholeFiles(root, sizes);
    const bytesBefore = mirror.stats.bodyBytes;
    for (const p of src.bigPaths) mirror.stats.rangeStarts.delete(p);
    try {
      // Files already in lab storage from the earlier test are skipped: start from an empty lab storage.
      await rm(root, { recursive: true, force: true });
      await getDb().delete(storedFiles);
      const { id } = await s.createJob(lab, s.everything, { source: "mirror", mirrorKeys: RESEARCHER, password: undefined });
      let worker = await start();
      const until = Date.now() + 90_000;
      while ((await s.jobRow(id)).state !== "ready") {
        if (Date.now() > until) throw new Error(`job not ready: ${JSON.stringify(await s.jobRow(id))}\n${log.join("")}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      await controlJob({ user: lab.researcher, jobId: id, input: { action: "start", keepPassword: false }, ip: null });
      // Kill it while a big file is half there, three times.
      for (let kill = 0; kill < 3; kill++) {
        const killAt = mirror.stats.bodyBytes + 6_000_000;
        while (mirror.stats.bodyBytes < killAt && (await s.jobRow(id)).state === "running") await new Promise((r) => setTimeout(r, 50));
        if ((await s.jobRow(id)).state !== "running") break;
        worker.kill("SIGKILL");
        await new Promise((r) => worker.once("exit", r));
        // The dead worker's process held the keys in memory only: nothing on disk has them.
        expect(await filesContaining([tmp], RESEARCHER.secretAccessKey)).toEqual([]);
        worker = await start();
      }
      const doneUntil = Date.now() + 180_000;
      let job = await s.jobRow(id);
      while (!["completed", "incomplete", "failed"].includes(job.state)) {
        if (Date.now() > doneUntil) throw new Error(`job still ${job.state}\n${log.join("")}`);
        await new Promise((r) => setTimeout(r, 100));
        job = await s.jobRow(id);
      }
      const files = await getDb().select({ path: downloadFiles.path, error: downloadFiles.error }).from(downloadFiles).where(eq(downloadFiles.jobId, id));
      expect(job.state, JSON.stringify(files.filter((f) => f.error)) + log.join("")).toBe("completed");
      worker.kill("SIGTERM");
    } finally {
      await watch.stop();
      await mirror.configure({ throttleBytesPerSecond: 0 });
    }
    expect(watch.violations).toEqual([]);
    await expectAllVerified(lab.labId);
    // A killed big file went on from its verified-in-order prefix: the next worker asked again for a
    // range past its start (no faults here, so a repeated start is a resume), never only from zero.
    const resumed = src.bigPaths.filter((p) => {
      const starts = mirror.stats.rangeStarts.get(p) ?? [];
      return starts.some((start, i) => start > 0 && starts.indexOf(start) !== i);
    });
    expect(resumed.length, JSON.stringify(Object.fromEntries(src.bigPaths.map((p) => [p, mirror.stats.rangeStarts.get(p)])))).toBeGreaterThan(0);
    expect(mirror.stats.bodyBytes - bytesBefore).toBeGreaterThan(0);
    expect(log.join("")).not.toContain(RESEARCHER.secretAccessKey);
  });
});
