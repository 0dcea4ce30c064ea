import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, open, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { and, eq } from "drizzle-orm";
import { cloudIdentities, datasets, downloadJobs, labDatasets, storedFiles } from "@/db/schema";
import type { CurrentUser } from "@/lib/auth/current-user";
import { now } from "@/lib/clock";
import { getDb } from "@/lib/db/client";
import { controlJob } from "@/lib/downloads/control";
import { createDownloadJob } from "@/lib/downloads/create";
import type { Selection } from "@/lib/downloads/selection";
import { createLab, createUser, credentialMember } from "@/lib/factories";
import { writeSyntheticVersion } from "@/lib/mimic/synth/write-version";
import { parseSha256Sums, sha256OfFile, writeSha256Sums, type Sha256Entry } from "@/lib/physionet/sha256-sums";
import { ensureAppRole } from "@/scripts/lib/app-role";
import { spawnDownloadWorker } from "@/tests/downloads/spawn-worker";
import { round, type Measure } from "../harness";

// download.mirror (decision 032): labgate's mirror lanes (ranged GETs with the member's keys, hashed
// as they land, verified, moved into lab storage, recorded) against the floor — a plain parallel
// S3 GET loop with the same SDK, the same parallelism and no verification — from the same S3-like
// mirror process in the same run.

const STUDIES = Number(process.env.BENCH_MIRROR_STUDIES ?? 1_500);
const LARGE_MIB = Number(process.env.BENCH_MIRROR_LARGE_MIB ?? 512);
const LANES = 4;
const CHUNK = 8 * 1024 * 1024;
const PER_FILE = 4;
const BUCKET = "mimic-cxr-2-0-0";
const KEYS = { accessKeyId: "AKIABENCHMIRROR00001", secretAccessKey: "bench-mirror-secret-0123456789" };
const MIB = 1024 * 1024;

async function startMirrorProcess(root: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/mirror-upstream.ts", "--root", root, "--bucket", BUCKET, "--key", `${KEYS.accessKeyId}:${KEYS.secretAccessKey}`], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /mirror at (http\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`bench: the mirror exited (${code}): ${out}`)));
  });
  return { url, child };
}

async function benchLab(): Promise<{ user: CurrentUser; datasetId: string; labId: string }> {
  const db = getDb();
  const lab = await createLab(db);
  const [dataset] = await db.select({ id: datasets.id }).from(datasets).where(and(eq(datasets.slug, "mimic-cxr"), eq(datasets.version, "2.0.0")));
  await db.insert(labDatasets).values({ labId: lab.id, datasetId: dataset!.id });
  const steward = await createUser(db, { labId: lab.id, role: "steward" });
  const member = await createUser(db, { labId: lab.id, role: "member" });
  await credentialMember(db, { labId: lab.id, userId: member.id, stewardId: steward.id, datasetIds: [dataset!.id], username: `benchmirror${Date.now() % 1e6}` });
  const at = now();
  await db.insert(cloudIdentities).values({ labId: lab.id, userId: member.id, datasetId: dataset!.id, provider: "aws", identity: "123456789012", createdAt: at, updatedAt: at });
  return { user: { id: member.id, email: member.email, name: member.name, role: "member", labId: lab.id }, datasetId: dataset!.id, labId: lab.id };
}

// The worker as `npm start` runs it (scripts/start.ts sets the thread pool).
async function labgateMirror(mirrorUrl: string, storageRoot: string, selection: Selection) {
  const lab = await benchLab();
  const appUrl = await ensureAppRole(process.env.DATABASE_URL!);
  const worker = await spawnDownloadWorker({ env: { ...process.env, UV_THREADPOOL_SIZE: "16", DATABASE_URL: appUrl, LABGATE_STORAGE_DIR: storageRoot, LABGATE_MIRROR_AWS_ENDPOINT: mirrorUrl, TEST_SLICE_MS: "600000" } });
  try {
    const t0 = performance.now();
    const { id } = await createDownloadJob({ user: lab.user, ip: null, input: { datasetId: lab.datasetId, selection, keepPassword: false, concurrency: LANES, source: "mirror", mirrorKeys: KEYS } });
    await waitFor(id, ["ready"]);
    const prepareSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    await controlJob({ user: lab.user, jobId: id, input: { action: "start", keepPassword: false }, ip: null });
    const state = await waitFor(id, ["completed", "incomplete"]);
    const seconds = (performance.now() - t1) / 1000;
    if (state !== "completed") throw new Error(`bench: the mirror download ended ${state}`);
    const stored = await getDb().select({ path: storedFiles.path }).from(storedFiles).where(eq(storedFiles.labId, lab.labId));
    return { prepareSeconds, seconds, stored: stored.length };
  } finally {
    worker.kill("SIGTERM");
  }
}

async function waitFor(jobId: string, states: string[]): Promise<string> {
  for (;;) {
    const [job] = await getDb().select({ state: downloadJobs.state, error: downloadJobs.error }).from(downloadJobs).where(eq(downloadJobs.id, jobId));
    if (job && states.includes(job.state)) return job.state;
    if (job && ["failed", "cancelled", "stopped"].includes(job.state)) throw new Error(`bench: the mirror download ended ${job.state}: ${job.error}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The floor: LANES workers take keys from a queue and GET each into a file; a large file as PER_FILE ranged GETs written at their offsets. Nothing verified. */
async function plainLoop(mirrorUrl: string, out: string, entries: { path: string; size: number }[], durable = false): Promise<number> {
  const client = new S3Client({ region: "us-east-1", endpoint: mirrorUrl, forcePathStyle: true, credentials: KEYS, requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" });
  const t0 = performance.now();
  try {
    const queue = [...entries];
    await Promise.all(
      Array.from({ length: LANES }, async () => {
        for (let e = queue.shift(); e; e = queue.shift()) {
          const target = path.join(out, ...e.path.split("/"));
          await mkdir(path.dirname(target), { recursive: true });
          if (e.size <= CHUNK) {
            const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: e.path }));
            await pipeline(got.Body as Readable, createWriteStream(target));
            if (durable) await hashAndSync(target);
            continue;
          }
          const file = await open(target, "w");
          try {
            const ranges: number[] = [];
            for (let at = 0; at < e.size; at += CHUNK) ranges.push(at);
            await Promise.all(
              Array.from({ length: PER_FILE }, async () => {
                for (let at = ranges.shift(); at !== undefined; at = ranges.shift()) {
                  const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: e.path, Range: `bytes=${at}-${Math.min(at + CHUNK, e.size) - 1}` }));
                  let offset = at;
                  for await (const chunk of got.Body as AsyncIterable<Buffer>) {
                    await file.write(chunk, 0, chunk.length, offset);
                    offset += chunk.length;
                  }
                }
              }),
            );
          } finally {
            await file.close();
          }
          if (durable) await hashAndSync(target);
        }
      }),
    );
  } finally {
    client.destroy();
  }
  return (performance.now() - t0) / 1000;
}

/** What labgate's guarantee costs at least: read the file back for its SHA-256, and fsync it before it counts. */
async function hashAndSync(target: string): Promise<void> {
  await sha256OfFile({ filePath: target });
  const handle = await open(target, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function verify(dir: string, manifest: Sha256Entry[]): Promise<number> {
  let bad = 0;
  for (const e of manifest) if ((await sha256OfFile({ filePath: path.join(dir, e.path) }).catch(() => null)) !== e.sha256) bad++;
  return bad;
}

async function round1(name: string, root: string, work: string, log: (l: string) => void) {
  const manifest = parseSha256Sums({ text: await readFile(path.join(root, "SHA256SUMS.txt"), "utf8") });
  const entries = await Promise.all(manifest.map(async (e) => ({ path: e.path, size: (await stat(path.join(root, e.path))).size })));
  const bytes = entries.reduce((n, e) => n + e.size, 0);
  const mirror = await startMirrorProcess(root);
  try {
    const storageRoot = path.join(work, `${name}-storage`);
    const everything: Selection = { mode: "filter", metadata: true, reports: true, images: "any", other: true, studies: { kind: "all" } };
    const ours = await labgateMirror(mirror.url, storageRoot, everything);
    const oursBad = (await verify(path.join(storageRoot, "downloads", "mimic-cxr", "2.0.0"), manifest)) + (manifest.length - ours.stored);
    const plainDir = path.join(work, `${name}-plain`);
    const plainSeconds = await plainLoop(mirror.url, plainDir, entries);
    const plainBad = await verify(plainDir, manifest);
    await rm(plainDir, { recursive: true, force: true });
    const durableSeconds = await plainLoop(mirror.url, plainDir, entries, true);
    log(`${name}: the same loop hashing and fsyncing each file as it lands: ${round(durableSeconds)} s`);
    log(`${name}: ${manifest.length} files, ${round(bytes / MIB)} MiB; labgate prepare ${round(ours.prepareSeconds)} s + transfer ${round(ours.seconds)} s (${oursBad} wrong); plain SDK loop ${round(plainSeconds)} s (${plainBad} wrong, checked after)`);
    if (oursBad > 0 || plainBad > 0) throw new Error(`bench: ${name}: verification failed (labgate ${oursBad}, plain ${plainBad})`);
    return { ratio: plainSeconds / ours.seconds, durableRatio: durableSeconds / ours.seconds, seconds: ours.seconds, prepare: ours.prepareSeconds, plain: plainSeconds, durable: durableSeconds, files: manifest.length, mib: bytes / MIB };
  } finally {
    mirror.child.kill("SIGTERM");
  }
}

export const downloadMirror: Measure = {
  name: "download.mirror",
  description: `PhysioNet's cloud mirror (S3-like, loopback, own process): MIMIC-like tree and one ${LARGE_MIB} MiB file, labgate mirror job from start to verified in lab storage vs a plain parallel S3 GET loop (same SDK, ${LANES} connections, no verification)`,
  async run({ log }) {
    const work = await mkdtemp(path.join(os.tmpdir(), "labgate-bench-mirror-"));
    try {
      const treeRoot = path.join(work, "tree");
      await writeSyntheticVersion({ out: treeRoot, project: "mimic-cxr", version: "2.0.0", studies: STUDIES, images: STUDIES, seed: 1 });
      const tree = await round1("tree", treeRoot, work, log);
      const largeRoot = path.join(work, "large");
      const rel = "files/p10/p10000032/s50414267/large.dcm";
      await mkdir(path.dirname(path.join(largeRoot, rel)), { recursive: true });
      const block = randomBytes(4 * MIB);
      const out = createWriteStream(path.join(largeRoot, rel));
      for (let written = 0; written < LARGE_MIB * MIB; written += block.length) if (!out.write(block)) await new Promise<void>((r) => out.once("drain", () => r()));
      await new Promise<void>((r) => out.end(() => r()));
      await writeSha256Sums({ root: largeRoot });
      const large = await round1("large", largeRoot, work, log);
      await rm(largeRoot, { recursive: true, force: true });
      return {
        ratio: round(Math.min(tree.ratio, large.ratio)),
        tree_ratio: round(tree.ratio),
        tree_seconds: round(tree.seconds),
        tree_plain_seconds: round(tree.plain),
        tree_ratio_vs_hash_fsync: round(tree.durableRatio),
        tree_hash_fsync_seconds: round(tree.durable),
        tree_files: tree.files,
        tree_mib: round(tree.mib),
        large_ratio: round(large.ratio),
        large_seconds: round(large.seconds),
        large_plain_seconds: round(large.plain),
        large_ratio_vs_hash_fsync: round(large.durableRatio),
        large_hash_fsync_seconds: round(large.durable),
        large_mib: LARGE_MIB,
      };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  },
};
