import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, expect, it } from "vitest";
import { isolatedDatabaseForFile } from "../support/isolated-database";
import { supervise, type Supervisor } from "@/lib/ops/supervisor";

// The production worker (scripts/worker.ts, every job of the registry) under the supervisor
// `npm start` runs it with (lib/ops/supervisor.ts), killed with kill -9 in the middle of a download:
// the supervisor starts it again and the new worker takes the job's lanes over at once, not at the
// next minute's sweep (docs/decisions/010).

const db = isolatedDatabaseForFile();
const tmp = await mkdtemp(path.join(os.tmpdir(), "labgate-dl-restart-"));
process.env.LABGATE_STORAGE_DIR = path.join(tmp, "storage");

const { downloadLanes } = await import("@/db/schema");
const { getDb } = await import("@/lib/db/client");
const { controlJob } = await import("@/lib/downloads/control");
const s = await import("./support");

let supervisor: Supervisor | null = null;
afterAll(async () => {
  await supervisor?.stop("SIGKILL");
  const { stopJobSender } = await import("@/lib/jobs/job-runner");
  await stopJobSender();
  await rm(tmp, { recursive: true, force: true });
});

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs: number, log?: string[]): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${log ? `:\n${log.join("")}` : ""}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** pids of workers currently holding lanes of the job (download_lanes.worker is host:pid). */
async function lanePids(jobId: string): Promise<Set<number>> {
  const rows = await getDb().select({ worker: downloadLanes.worker }).from(downloadLanes).where(eq(downloadLanes.jobId, jobId));
  return new Set(rows.map((r) => Number(r.worker.split(":").at(-1))));
}

it("a worker killed with kill -9 is restarted by the supervisor and resumes the running download within seconds, with Range", { timeout: 240_000 }, async () => {
  const src = await s.makeVersionDir({ studies: 3, big: 4, bigBytes: 1_500_000 });
  const lab = await s.labWithResearcher();
  // Throttled like PhysioNet, so the big files take seconds each and the job outlives the kill.
  const { upstream, source } = await s.startServed({ root: src.root, username: lab.researcher.physionetUsername, throttleBytesPerSecond: 250_000 });
  const log: string[] = [];
  const ready = new Map<number, number>();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: db.url(),
    NODE_ENV: "production",
    LABGATE_STORAGE_DIR: path.join(tmp, "storage"),
    LABGATE_WGET_DIR: path.join(tmp, "wget"),
    PHYSIONET_BASE_URL: source.baseUrl,
  };
  try {
    const { id } = await s.createJob(lab, s.everything);
    supervisor = supervise({
      name: "the background worker",
      start: () => spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/worker.ts"], { env, stdio: ["ignore", "pipe", "pipe"] }),
      initialDelayMs: 200,
      log: { info: (m) => log.push(`${m}\n`), error: (m) => log.push(`${m}\n`) },
      onStart: (child: ChildProcess) => {
        child.stdout!.on("data", (c: Buffer) => {
          log.push(c.toString());
          if (c.toString().includes('"msg":"worker running"') && !ready.has(child.pid!)) ready.set(child.pid!, Date.now());
        });
        child.stderr!.on("data", (c: Buffer) => log.push(c.toString()));
      },
    });
    const first = supervisor.current()!;
    await waitFor("the job to be ready", async () => (await s.jobRow(id)).state === "ready", 120_000, log);
    await controlJob({ user: lab.researcher, jobId: id, input: { action: "start", keepPassword: false }, ip: null });
    await waitFor("the first worker to hold lanes and receive bytes", async () => (await lanePids(id)).has(first.pid!) && upstream.stats.bodyBytes > 300_000, 60_000, log);

    process.kill(first.pid!, "SIGKILL");
    const second = await waitFor("the supervisor to restart the worker", () => supervisor!.restarts() === 1 && supervisor!.current(), 10_000, log);
    await waitFor("the restarted worker to start", () => ready.has(second.pid!), 120_000, log);
    await waitFor("the restarted worker to hold the job's lanes", async () => (await lanePids(id)).has(second.pid!), 30_000, log);
    expect(log.join("")).toMatch(/labgate: the background worker was killed by SIGKILL after [\d.]+ s; restarting it in 0\.2 s/);
    // The restarted worker's own start-up took the job, not the next minute's sweep: had the sweep
    // resumed it first, the start-up would have found nothing orphaned ("drive":0). The line comes
    // once resumeOrphanedDownloads() returns, which can be just after the lanes are taken. (How soon,
    // in seconds, depends on the machine: not asserted here.)
    await waitFor("the worker to log the resume", () => /"drive":[1-9]\d*,"prepare":\d+,"msg":"resumed downloads a previous worker left"/.test(log.join("")), 10_000, log);

    // It goes on where the dead worker's wget stopped: a partial file continued with Range.
    await waitFor("a partial file resumed with Range", () => upstream.stats.rangeRequests > 0, 30_000, log);
    expect((await s.jobRow(id)).state).toBe("running");
  } finally {
    await supervisor?.stop("SIGKILL");
    supervisor = null;
    await upstream.close();
    await src.cleanup();
  }
});
