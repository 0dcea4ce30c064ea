import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Lab storage and staging for this file (read once by lib/env.ts, so set before anything asks).
const storageDir = await mkdtemp(path.join(os.tmpdir(), "labgate-dl-store-"));
process.env.LABGATE_STORAGE_DIR = storageDir;

const { auditLog, downloadCredentials, downloadFiles, storedFiles } = await import("@/db/schema");
const { getDb } = await import("@/lib/db/client");
const { parseSha256Sums, sha256OfFile } = await import("@/lib/physionet/sha256-sums");
const { jobStagingDir, stagingRoot } = await import("@/lib/downloads/staging");
const s = await import("./support");

let src: Awaited<ReturnType<typeof s.makeVersionDir>>;
let manifest: Map<string, string>;
beforeAll(async () => {
  src = await s.makeVersionDir();
  manifest = new Map(parseSha256Sums({ text: await readFile(path.join(src.root, "SHA256SUMS.txt"), "utf8") }).map((e) => [e.path, e.sha256]));
});
afterAll(async () => {
  await src?.cleanup();
  await rm(storageDir, { recursive: true, force: true });
});

const sha = (filePath: string) => sha256OfFile({ filePath });

describe("a download job end to end against the test upstream", () => {
  it("lists files from SHA256SUMS.txt, estimates, downloads everything verified into lab storage and cleans up", async () => {
    const lab = await s.labWithResearcher();
    const requests: string[] = [];
    const { upstream, source } = await s.startServed({ root: src.root, username: lab.researcher.physionetUsername, log: (l) => requests.push(l) });
    try {
      const { id } = await s.createJob(lab, s.everything);
      const ready = await s.prepareAndStart(lab, id, source);
      expect(ready.filesTotal).toBe(manifest.size);
      expect(ready.bytesEstimate).toBeGreaterThan(0);
      expect(ready.storageFreeAtPrepare).toBeGreaterThan(0);
      const results = await s.driveUntilEnded(id, source);
      expect(results.at(-1)).toEqual({ outcome: "ended", state: "completed" });

      const job = await s.jobRow(id);
      expect(job).toMatchObject({ state: "completed", filesDone: manifest.size, filesFailed: 0, error: null });
      for (const [rel, want] of manifest) expect(await sha(path.join(storageDir, "downloads", s.SLUG, s.VERSION, rel)), rel).toBe(want);
      const stored = await getDb().select().from(storedFiles).where(eq(storedFiles.labId, lab.labId));
      expect(stored).toHaveLength(manifest.size);
      expect(job.bytesDone).toBe(stored.reduce((n, f) => n + f.size, 0));
      // Only the version folder's own listing was asked for (for sizes); no crawl of index pages.
      const listings = requests.filter((l) => /^GET \S+\/ 200 /.test(l));
      expect(listings).toHaveLength(1);
      expect(upstream.stats.connections.peak).toBeLessThanOrEqual(4 + 1);
      // wget keeps PhysioNet's session cookie: most requests skip the password check.
      expect(upstream.stats.sessionLogins).toBeGreaterThan(upstream.stats.passwordChecks);
      // Nothing left behind: staging, the stored password.
      expect(existsSync(jobStagingDir(stagingRoot(), id))).toBe(false);
      expect(await getDb().select().from(downloadCredentials).where(eq(downloadCredentials.userId, lab.researcher.id))).toEqual([]);
      const audit = await getDb().select({ action: auditLog.action }).from(auditLog).where(and(eq(auditLog.labId, lab.labId)));
      expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(["download.create", "download.start", "download.finish"]));
      const files = await getDb().select({ state: downloadFiles.state }).from(downloadFiles).where(eq(downloadFiles.jobId, id));
      expect(new Set(files.map((f) => f.state))).toEqual(new Set(["done"]));
    } finally {
      await upstream.close();
    }
  });

  it("selects metadata, reports, a reproducible random sample of DICOMs, or a list of paths", async () => {
    const lab = await s.labWithResearcher();
    const { upstream, source } = await s.startServed({ root: src.root, username: lab.researcher.physionetUsername });
    const { prepareDownloadJob } = await import("@/lib/downloads/prepare");
    const prepared = async (selection: Parameters<typeof s.createJob>[1]) => {
      const { id } = await s.createJob(lab, selection, { keepPassword: true });
      await prepareDownloadJob({ jobId: id, source });
      const rows = await getDb().select({ path: downloadFiles.path }).from(downloadFiles).where(eq(downloadFiles.jobId, id));
      return { job: await s.jobRow(id), paths: rows.map((r) => r.path).sort() };
    };
    try {
      const all = [...manifest.keys()];
      const metadata = await prepared({ mode: "filter", metadata: true, reports: false, images: "none", other: false, studies: { kind: "all" } });
      expect(metadata.paths).toEqual(all.filter((p) => !p.includes("/")).sort());
      // Top-level sizes come from the one listing: exact.
      expect(metadata.job.estimateExact).toBe(true);

      const reports = await prepared({ mode: "filter", metadata: false, reports: true, images: "none", other: false, studies: { kind: "all" } });
      expect(reports.paths.length).toBe(30);
      expect(reports.paths.every((p) => /^files\/p1\d\/p\d+\/s\d+\.txt$/.test(p))).toBe(true);

      const sample = (seed: number, percent = 20) => prepared({ mode: "filter", metadata: false, reports: true, images: "dcm", other: false, studies: { kind: "sample", percent, seed } });
      const a = await sample(3);
      const again = await sample(3);
      const other = await sample(4);
      const larger = await sample(3, 50);
      const studyOf = (p: string) => /\/s(\d+)/.exec(p)![1];
      expect(new Set(a.paths.map(studyOf)).size).toBe(6); // 20% of 30 studies
      expect(again.paths).toEqual(a.paths);
      expect(other.paths).not.toEqual(a.paths);
      expect(a.paths.every((p) => larger.paths.includes(p))).toBe(true);
      expect(a.paths.some((p) => p.endsWith(".dcm")) && a.paths.some((p) => p.endsWith(".txt"))).toBe(true);
      expect(a.job.description).toBe("Reports, DICOM images of a 20% sample of studies (seed 3)");

      const folder = all.find((p) => p.endsWith(".dcm"))!.replace(/[^/]+$/, "");
      const listed = await prepared({ mode: "paths", paths: ["LICENSE.txt", folder, "files/p99/nothing-here.dcm"] });
      expect(listed.paths).toEqual(["LICENSE.txt", ...all.filter((p) => p.startsWith(folder))].sort());
      expect(listed.job.notice).toContain("1 listed path matches nothing in SHA256SUMS.txt: files/p99/nothing-here.dcm");
    } finally {
      await upstream.close();
    }
  });

  it("does not fetch again what the lab already holds verified", async () => {
    const lab = await s.labWithResearcher();
    const { upstream, source } = await s.startServed({ root: src.root, username: lab.researcher.physionetUsername });
    try {
      const reports = { mode: "filter", metadata: false, reports: true, images: "none", other: false, studies: { kind: "all" } } as const;
      const first = await s.createJob(lab, reports);
      await s.prepareAndStart(lab, first.id, source);
      await s.driveUntilEnded(first.id, source);
      const bodyBytes = upstream.stats.bodyBytes;
      const second = await s.createJob(lab, reports);
      const ready = await s.prepareAndStart(lab, second.id, source);
      expect(ready.filesSkipped).toBe(30);
      expect(ready.notice).toContain("30 files are already verified in lab storage");
      await s.driveUntilEnded(second.id, source);
      expect(await s.jobRow(second.id)).toMatchObject({ state: "completed", filesDone: 0, filesSkipped: 30 });
      // Only the manifest, the listing and the HEAD samples were asked for again, no report.
      expect(upstream.stats.bodyBytes - bodyBytes).toBeLessThan(40_000);
    } finally {
      await upstream.close();
    }
  });
});

describe("who may download, and what stops a job", () => {
  it("refuses a member without access, and audits the refusal", async () => {
    const lab = await s.labWithResearcher();
    const { createDownloadJob } = await import("@/lib/downloads/create");
    await expect(
      createDownloadJob({ user: lab.member, ip: "10.0.0.9", input: { datasetId: lab.datasetId, selection: s.everything, password: "x", keepPassword: false, concurrency: 4 } }),
    ).rejects.toMatchObject({ code: "forbidden" });
    const denied = await getDb().select().from(auditLog).where(and(eq(auditLog.labId, lab.labId), eq(auditLog.action, "download.create"), eq(auditLog.outcome, "denied")));
    expect(denied).toHaveLength(1);
    expect(denied[0]!.actorId).toBe(lab.member.id);
  });

  it("stops the owner's job when their access ends mid-job, keeping what is verified", async () => {
    const lab = await s.labWithResearcher();
    const big = await s.makeVersionDir({ studies: 5, big: 6, bigBytes: 600_000 });
    const { upstream, source } = await s.startServed({ root: big.root, username: lab.researcher.physionetUsername, throttleBytesPerSecond: 400_000 });
    try {
      const { id } = await s.createJob(lab, s.everything, { concurrency: 1 });
      await s.prepareAndStart(lab, id, source);
      const { accessGrants } = await import("@/db/schema");
      const driving = s.driveUntilEnded(id, source);
      await waitFor(async () => (await s.jobRow(id)).filesDone >= 3);
      await getDb().update(accessGrants).set({ status: "revoked" }).where(eq(accessGrants.userId, lab.researcher.id));
      const results = await driving;
      expect(results.at(-1)).toEqual({ outcome: "ended", state: "stopped" });
      const job = await s.jobRow(id);
      expect(job.error).toMatch(/access to .* ended, so this download stopped/);
      const stored = await getDb().select().from(storedFiles).where(eq(storedFiles.labId, lab.labId));
      expect(stored.length).toBe(job.filesDone);
      expect(stored.length).toBeGreaterThanOrEqual(3);
      expect(stored.length).toBeLessThan(job.filesTotal);
      for (const f of stored) expect(await sha(path.join(storageDir, f.storageKey))).toBe(f.sha256);
    } finally {
      await upstream.close();
      await big.cleanup();
    }
  });

  it("fails with a clear message on a wrong password, at preparation and in transfer", async () => {
    const lab = await s.labWithResearcher();
    const { upstream, source } = await s.startServed({ root: src.root, username: lab.researcher.physionetUsername });
    const { prepareDownloadJob } = await import("@/lib/downloads/prepare");
    const { saveCredentials } = await import("@/lib/downloads/credentials/store");
    try {
      const wrong = await s.createJob(lab, s.everything, { password: "not-the-password" });
      await prepareDownloadJob({ jobId: wrong.id, source });
      expect(await s.jobRow(wrong.id)).toMatchObject({ state: "failed", error: "PhysioNet did not accept the username or password (HTTP 401)." });

      const { id } = await s.createJob(lab, s.everything);
      await s.prepareAndStart(lab, id, source);
      await saveCredentials(getDb(), { userId: lab.researcher.id, labId: lab.labId, username: lab.researcher.physionetUsername, password: "changed-meanwhile", keep: false });
      const results = await s.driveUntilEnded(id, source);
      expect(results.at(-1)).toEqual({ outcome: "ended", state: "failed" });
      expect((await s.jobRow(id)).error).toBe("PhysioNet did not accept the username or password (HTTP 401). Resume the download with the right password.");
      const files = await getDb().select({ state: downloadFiles.state }).from(downloadFiles).where(eq(downloadFiles.jobId, id));
      expect(files.every((f) => f.state === "pending")).toBe(true);
      // The password of an ended job is not kept.
      expect(await getDb().select().from(downloadCredentials).where(eq(downloadCredentials.userId, lab.researcher.id))).toEqual([]);
    } finally {
      await upstream.close();
    }
  });

  it("pauses, resumes (continuing partial files with Range) and cancels", async () => {
    const lab = await s.labWithResearcher();
    const big = await s.makeVersionDir({ studies: 2, big: 3, bigBytes: 1_500_000 });
    const { upstream, source } = await s.startServed({ root: big.root, username: lab.researcher.physionetUsername, throttleBytesPerSecond: 1_000_000 });
    const { controlJob } = await import("@/lib/downloads/control");
    try {
      const { id } = await s.createJob(lab, s.everything, { concurrency: 2, keepPassword: true });
      await s.prepareAndStart(lab, id, source);
      const driving = s.driveUntilEnded(id, source);
      await waitFor(async () => (await s.jobRow(id)).bytesReceived > 800_000);
      await controlJob({ user: lab.researcher, jobId: id, input: { action: "pause", keepPassword: false }, ip: null });
      expect((await driving).at(-1)).toEqual({ outcome: "ended", state: "paused" });
      const partial = await s.jobRow(id);
      expect(partial.filesDone).toBeLessThan(partial.filesTotal);

      const before = { ranges: upstream.stats.rangeRequests, bytes: upstream.stats.bodyBytes };
      await controlJob({ user: lab.researcher, jobId: id, input: { action: "resume", keepPassword: false }, ip: null });
      expect((await s.driveUntilEnded(id, source)).at(-1)).toEqual({ outcome: "ended", state: "completed" });
      expect(upstream.stats.rangeRequests).toBeGreaterThan(before.ranges);
      const total = [...(await getDb().select({ size: storedFiles.size }).from(storedFiles).where(eq(storedFiles.labId, lab.labId)))].reduce((n, f) => n + f.size, 0);
      expect(upstream.stats.bodyBytes).toBeLessThan(total * 1.2);
      // A kept password outlives its job until the member forgets it.
      expect(await getDb().select().from(downloadCredentials).where(eq(downloadCredentials.userId, lab.researcher.id))).toHaveLength(1);

      const second = await s.createJob(lab, s.everything, { password: undefined });
      await expect(controlJob({ user: lab.researcher, jobId: second.id, input: { action: "start", keepPassword: false }, ip: null })).rejects.toMatchObject({ code: "conflict" });
      await controlJob({ user: lab.steward, jobId: second.id, input: { action: "cancel", keepPassword: false }, ip: null });
      expect(await s.jobRow(second.id)).toMatchObject({ state: "cancelled" });
      await expect(controlJob({ user: lab.member, jobId: id, input: { action: "cancel", keepPassword: false }, ip: null })).rejects.toMatchObject({ code: "not_found" });
    } finally {
      await upstream.close();
      await big.cleanup();
    }
  });

  it("respects the lab's quota: refuses a start that cannot fit, stops at the quota, keeps verified files", async () => {
    const lab = await s.labWithResearcher();
    const big = await s.makeVersionDir({ studies: 2, big: 6, bigBytes: 400_000 });
    const { upstream, source } = await s.startServed({ root: big.root, username: lab.researcher.physionetUsername });
    const { setLabQuota } = await import("@/lib/downloads/usage");
    const { controlJob } = await import("@/lib/downloads/control");
    const { prepareDownloadJob } = await import("@/lib/downloads/prepare");
    try {
      await setLabQuota(getDb(), { actor: lab.steward, quotaBytes: 100_000 });
      const { id } = await s.createJob(lab, s.everything, { concurrency: 1 });
      await prepareDownloadJob({ jobId: id, source });
      await expect(controlJob({ user: lab.researcher, jobId: id, input: { action: "start", keepPassword: false }, ip: null })).rejects.toThrow(/needs about 2\.\d MiB, but only 98 KiB of the lab's quota is left/);

      await setLabQuota(getDb(), { actor: lab.steward, quotaBytes: 1_500_000 });
      // Started while the estimate still fits; the quota is then lowered under the job's feet.
      await setLabQuota(getDb(), { actor: lab.steward, quotaBytes: 5_000_000 });
      await controlJob({ user: lab.researcher, jobId: id, input: { action: "start", keepPassword: false }, ip: null });
      await setLabQuota(getDb(), { actor: lab.steward, quotaBytes: 1_000_000 });
      const results = await s.driveUntilEnded(id, source);
      expect(results.at(-1)).toEqual({ outcome: "ended", state: "failed" });
      const job = await s.jobRow(id);
      expect(job.error).toMatch(/^The lab's storage quota of 977 KiB is reached/);
      const stored = await getDb().select().from(storedFiles).where(eq(storedFiles.labId, lab.labId));
      expect(stored.reduce((n, f) => n + f.size, 0)).toBeLessThanOrEqual(1_000_000);
      for (const f of stored) expect(await sha(path.join(storageDir, f.storageKey))).toBe(f.sha256);
    } finally {
      await upstream.close();
      await big.cleanup();
    }
  });

  it("stops on a full disk (a real ENOSPC from wget) without losing verified files", async () => {
    const lab = await s.labWithResearcher();
    const { upstream, source } = await s.startServed({ root: src.root, username: lab.researcher.physionetUsername });
    const { symlink, mkdir } = await import("node:fs/promises");
    try {
      const { id } = await s.createJob(lab, s.everything, { concurrency: 1 });
      await s.prepareAndStart(lab, id, source);
      // The staging file of one report is a link to /dev/full: every write to it fails with ENOSPC.
      const victim = [...manifest.keys()].filter((p) => p.endsWith(".txt")).sort()[10]!;
      const staged = path.join(jobStagingDir(stagingRoot(), id), victim);
      await mkdir(path.dirname(staged), { recursive: true });
      await symlink("/dev/full", staged);
      const results = await s.driveUntilEnded(id, source);
      expect(results.at(-1)).toEqual({ outcome: "ended", state: "failed" });
      const job = await s.jobRow(id);
      expect(job.error).toBe("Lab storage is full: wget could not write to the staging folder (No space left on device). Free some space, then resume. Verified files are kept.");
      expect(job.filesDone).toBeGreaterThan(0);
      const stored = await getDb().select().from(storedFiles).where(eq(storedFiles.labId, lab.labId));
      expect(stored).toHaveLength(job.filesDone);
      expect(stored.map((f) => f.path)).not.toContain(victim);
    } finally {
      await upstream.close();
    }
  });

  it("reports files whose bytes never match the manifest, after retrying them, and stores none of them", async () => {
    const lab = await s.labWithResearcher();
    const { upstream, source } = await s.startServed({ root: src.root, username: lab.researcher.physionetUsername, faults: { corruptBody: { every: 1 } } });
    try {
      const reports = { mode: "filter", metadata: false, reports: true, images: "none", other: false, studies: { kind: "all" } } as const;
      const { id } = await s.createJob(lab, reports);
      await s.prepareAndStart(lab, id, source);
      const results = await s.driveUntilEnded(id, source);
      expect(results.at(-1)).toEqual({ outcome: "ended", state: "incomplete" });
      const job = await s.jobRow(id);
      expect(job).toMatchObject({ filesFailed: 30, filesDone: 0 });
      expect(job.error).toBe("30 files could not be downloaded and verified; see the list below. Everything else is verified in lab storage.");
      const files = await getDb().select().from(downloadFiles).where(eq(downloadFiles.jobId, id));
      for (const f of files) {
        expect(f.state).toBe("failed");
        expect(f.checksumFailures).toBe(3);
        expect(f.error).toMatch(new RegExp(`^SHA-256 [0-9a-f]{64} does not match SHA256SUMS.txt \\(${f.sha256}\\) after 3 downloads$`));
      }
      expect(await getDb().select().from(storedFiles).where(eq(storedFiles.labId, lab.labId))).toEqual([]);

      // The owner, who holds access, sees which files failed; the steward, who does not hold access
      // to the dataset, sees the job and its errors but none of the paths (they name subjects and studies).
      const { getJobProgress } = await import("@/lib/downloads/queries");
      const owner = await getJobProgress({ user: lab.researcher, jobId: id });
      expect(owner).toMatchObject({ pathsHidden: false });
      expect(owner!.problems.map((p) => p.path).sort()).toEqual(files.map((f) => f.path).sort().slice(0, owner!.problems.length));
      const steward = await getJobProgress({ user: lab.steward, jobId: id });
      expect(steward).toMatchObject({ pathsHidden: true, filesFailed: 30 });
      expect(steward!.problems.length).toBeGreaterThan(0);
      expect(steward!.problems.every((p) => p.path === "" && p.error.startsWith("SHA-256"))).toBe(true);
      expect(JSON.stringify(steward)).not.toMatch(/files\/p1\d\//);
    } finally {
      await upstream.close();
    }
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}
