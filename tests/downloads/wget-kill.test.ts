import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isolatedDatabaseForFile } from "../support/isolated-database";
import { filesContaining, isGone } from "./secret-scan";
import { spawnDownloadWorker } from "./spawn-worker";

// A download worker killed with SIGKILL in the middle of a transfer (the reproduction):
// its wget die with it, no file on the machine holds the PhysioNet password, and the next worker
// to start wipes what the dead one left of its private folders (decision 019).

const db = isolatedDatabaseForFile();
const storageDir = await mkdtemp(path.join(os.tmpdir(), "labgate-dl-kill-"));
const wgetRoot = await mkdtemp(path.join(os.tmpdir(), "labgate-wgetroot-"));
process.env.LABGATE_STORAGE_DIR = storageDir;

const { controlJob } = await import("@/lib/downloads/control");
const s = await import("./support");

const workers = new Set<ChildProcess>();
afterAll(async () => {
  for (const w of workers) w.kill("SIGKILL");
  const { stopJobSender } = await import("@/lib/jobs/job-runner");
  await stopJobSender();
  await rm(storageDir, { recursive: true, force: true });
  await rm(wgetRoot, { recursive: true, force: true });
});

async function startWorker(source: { baseUrl: string }, log: string[]): Promise<ChildProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: db.url(), LABGATE_STORAGE_DIR: storageDir, LABGATE_WGET_DIR: wgetRoot, PHYSIONET_BASE_URL: source.baseUrl, TEST_SLICE_MS: "20000" };
  // A loaded machine (tsx compiling the worker) can take more than the usual 30 s.
  const child = await spawnDownloadWorker({ env, log, startTimeoutMs: 120_000 });
  workers.add(child);
  child.on("exit", () => workers.delete(child));
  return child;
}

/** wget processes whose parent is `pid`, with their command lines. */
async function wgetChildren(pid: number): Promise<{ pid: number; cmdline: string }[]> {
  const found: { pid: number; cmdline: string }[] = [];
  for (const name of (await readdir("/proc")).filter((n) => /^\d+$/.test(n))) {
    const stat = await readFile(`/proc/${name}/stat`, "utf8").catch(() => "");
    if (/\((.*)\)/.exec(stat)?.[1] !== "wget" || Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) !== pid) continue;
    found.push({ pid: Number(name), cmdline: (await readFile(`/proc/${name}/cmdline`, "utf8").catch(() => "")).split("\0").join(" ") });
  }
  return found;
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("a download worker killed with SIGKILL mid-transfer", () => {
  it("takes its wget with it; afterwards no file holds the password, and the next worker wipes the dead one's folders", { timeout: 300_000 }, async () => {
    const src = await s.makeVersionDir({ studies: 3, big: 4, bigBytes: 3_000_000 });
    const lab = await s.labWithResearcher();
    const password = `pw-${randomUUID()}-s3cr et:#$'"\\&x`;
    // Throttled like PhysioNet, so the big files take seconds each.
    const { upstream, source } = await s.startServed({ root: src.root, username: lab.researcher.physionetUsername, password, throttleBytesPerSecond: 300_000 });
    const log: string[] = [];
    try {
      const { id } = await s.createJob(lab, s.everything, { password });
      let worker = await startWorker(source, log);
      await waitFor("the job to be ready", async () => ["ready"].includes((await s.jobRow(id)).state), 120_000);
      await controlJob({ user: lab.researcher, jobId: id, input: { action: "start", keepPassword: false }, ip: null });

      // Lanes' wget are fetching (an --input-file list) and bytes are arriving.
      const lanes = await waitFor("lane wget processes", async () => {
        const found = (await wgetChildren(worker.pid!)).filter((p) => p.cmdline.includes("--input-file="));
        return found.length > 0 && upstream.stats.bodyBytes > 500_000 ? found : null;
      }, 120_000);
      for (const p of lanes) expect(p.cmdline).not.toContain(password);
      const deadPid = worker.pid!;
      worker.kill("SIGKILL");
      await new Promise((r) => worker.once("exit", r));

      // The kernel kills its wget with it (setpriv --pdeathsig), within moments.
      await waitFor("wget to die with its worker", async () => (await Promise.all(lanes.map((p) => isGone(p.pid)))).every(Boolean), 5_000);

      // What the dead worker left: its run folders (FIFOs, a certificate), but no password anywhere:
      // the wget root, the system temp directory, staging and lab storage (both under storageDir).
      const left = (await readdir(wgetRoot)).filter((name) => name.startsWith(`${deadPid}.`));
      expect(left.length).toBeGreaterThan(0);
      expect(await filesContaining([wgetRoot, storageDir, path.join(storageDir, ".staging"), os.tmpdir()], password)).toEqual([]);

      // A new worker wipes them at start and finishes the job.
      worker = await startWorker(source, log);
      for (const name of left) expect(existsSync(path.join(wgetRoot, name)), name).toBe(false);
      const done = await waitFor("the job to end", async () => {
        const job = await s.jobRow(id);
        return ["completed", "failed", "incomplete"].includes(job.state) ? job : null;
      }, 240_000);
      expect(done.state, log.join("")).toBe("completed");
      worker.kill("SIGTERM");
      await new Promise((r) => worker.once("exit", r));
      expect(await filesContaining([wgetRoot, storageDir, os.tmpdir()], password)).toEqual([]);
      expect(await readdir(wgetRoot)).toEqual([]);
    } finally {
      await upstream.close();
      await src.cleanup();
    }
  });
});
