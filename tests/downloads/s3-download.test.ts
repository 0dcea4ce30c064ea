import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";

// Staging stays on local disk; verified files go to an S3-compatible bucket (@20minutes/s3rver on loopback).
const tmp = await mkdtemp(path.join(os.tmpdir(), "labgate-dl-s3-"));
process.env.LABGATE_STORAGE_DIR = path.join(tmp, "unused-local");
process.env.LABGATE_DOWNLOAD_STAGING_DIR = path.join(tmp, "staging");

const { storedFiles } = await import("@/db/schema");
const { getDb } = await import("@/lib/db/client");
const { parseSha256Sums } = await import("@/lib/physionet/sha256-sums");
const { createS3Storage } = await import("@/lib/storage/s3-storage");
const { prepareDownloadJob } = await import("@/lib/downloads/prepare");
const { controlJob } = await import("@/lib/downloads/control");
const s = await import("./support");

let server: { run(): Promise<AddressInfo>; close(): Promise<void> };
let storage: ReturnType<typeof createS3Storage>;
beforeAll(async () => {
  const { default: S3rver } = await import("@20minutes/s3rver");
  server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: path.join(tmp, "s3rver"), configureBuckets: [{ name: "lab" }] });
  const { port } = await server.run();
  storage = createS3Storage({ endpoint: `http://127.0.0.1:${port}`, region: "us-east-1", bucket: "lab", accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });
});
afterAll(async () => {
  await server?.close();
  await rm(tmp, { recursive: true, force: true });
});

it("downloads into S3-compatible storage: verified objects only, usage from the catalog", async () => {
  const src = await s.makeVersionDir({ studies: 8 });
  const lab = await s.labWithResearcher();
  const { upstream, source } = await s.startServed({ root: src.root, username: lab.researcher.physionetUsername, faults: { resetMidBody: { every: 7 }, seed: 3 } });
  try {
    const manifest = parseSha256Sums({ text: await readFile(path.join(src.root, "SHA256SUMS.txt"), "utf8") });
    const { id } = await s.createJob(lab, s.everything);
    await prepareDownloadJob({ jobId: id, source, storage });
    const ready = await s.jobRow(id);
    // Object storage cannot report free space: what is shown is the staging disk's.
    expect(ready.storageFreeAtPrepare).toBeGreaterThan(0);
    await controlJob({ user: lab.researcher, jobId: id, input: { action: "start", keepPassword: false }, ip: null });
    expect((await s.driveUntilEnded(id, source, { storage })).at(-1)).toEqual({ outcome: "ended", state: "completed" });
    const stored = await getDb().select().from(storedFiles).where(eq(storedFiles.labId, lab.labId));
    expect(stored).toHaveLength(manifest.length);
    for (const e of manifest) {
      const bytes = await storage.get(`downloads/${s.SLUG}/${s.VERSION}/${e.path}`);
      expect(createHash("sha256").update(bytes!).digest("hex"), e.path).toBe(e.sha256);
    }
    const { labUsage } = await import("@/lib/downloads/usage");
    const usage = await labUsage(getDb(), lab.labId);
    expect(usage.datasets).toEqual([expect.objectContaining({ slug: s.SLUG, version: s.VERSION, files: manifest.length })]);
    expect(usage.bytes).toBe(stored.reduce((n, f) => n + f.size, 0));
  } finally {
    await upstream.close();
    await src.cleanup();
  }
});
