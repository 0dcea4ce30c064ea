import "server-only";
import { hostname } from "node:os";
import { stat } from "node:fs/promises";
import { and, eq, inArray, sql } from "drizzle-orm";
import { downloadJobs, downloadLanes } from "@/db/schema";
import { now } from "@/lib/clock";
import { getDb, type Db } from "@/lib/db/client";
import { getStorage } from "@/lib/storage/get-storage";
import type { FileStorage } from "@/lib/storage/file-storage";
import { nextRetryDelay, releaseLanes } from "./claims";
import { CredentialUnreadableError } from "./credentials/cipher";
import { loadCredentials } from "./credentials/store";
import { endJob, finishJobIfDone } from "./finish";
import { checkGate, type GateProblem } from "./gate";
import { loadWorkJob, type WorkJob } from "./job-record";
import { createLaneAdapter, type LaneDecision } from "./lane-adapter";
import { openMirror, type MirrorAccess, type MirrorEndpoints } from "./mirror/client";
import { loadIdentityById, openKeys } from "./mirror/identities";
import { runMirrorLane } from "./transfer/mirror-lane";
import { openLockClient } from "./locks";
import { cutDirs, type PhysionetSource } from "./source";
import { jobStagingDir, stagingRoot } from "./staging";
import { runLane, type LaneContext } from "./transfer/lane";

export type DriveOptions = {
  jobId: string;
  source: PhysionetSource;
  /** Most lanes this call takes (of the job's concurrency); other workers may take the rest. */
  maxLanes?: number;
  /** How long this call works before handing over (the pg-boss handler then queues a continuation). */
  sliceMs?: number;
  retryBaseMs?: number;
  waitRetrySeconds?: number;
  storage?: FileStorage;
  /** Staging root (default: from the environment, lib/downloads/staging.ts). */
  staging?: string;
  workerId?: string;
  signal?: AbortSignal;
  onSpawn?: LaneContext["onSpawn"];
  /** Mirror endpoints (default: from the environment). */
  mirrorEndpoints?: MirrorEndpoints;
  /** Lanes to start with (default 2); the job's concurrency is the most it grows to. */
  initialLanes?: number;
  /** Told each window's decision of the lane adapter and the lanes then running. */
  onLanes?: (event: { decision: LaneDecision; lanes: number; throttled: number }) => void;
};

export type DriveResult =
  | { outcome: "not_running" | "no_free_lane" }
  | { outcome: "ended"; state: string }
  | { outcome: "continue"; notBefore: Date | null };

const POLL_MS = 1_000;
// A member's lanes are the most a job runs: it starts with two and adds one while each lane keeps
// its rate (lane-adapter.ts), judged once a second.
const INITIAL_LANES = 2;
// One wget per batch: spawning it (a cap slot, a private folder, the password FIFO, a new connection
// and login) and draining the batch's checks cost ~0.5 s on a loaded machine, which 64 small files
// (MIMIC reports, ~6 KB) did not amortise (bench download.tree: 0.38× four plain wget -i).
const MAX_BATCH = 512;
// Near the end batches shrink so lanes finish together, but never below this many bytes' worth of
// files (at the job's average size): every batch is a new wget (its start, connection and login),
// and a tail of batches of one or two small files spent more on those than on the bytes.
const MIN_BATCH_BYTES = 256 * 1024;
// Besides before every batch, the gate (access, quota, disk) is asked this often while a batch runs.
const GATE_DURING_BATCH_MS = 2_000;

/**
 * Works one download job for one slice: takes free lanes (advisory locks), runs them until the
 * files run out, the slice ends, or the job is paused, cancelled or stopped, and reports whether
 * the job needs another slice. Crash-safe at any point: verified files are committed one by one,
 * partial ones resume with Range, and a dead worker's lanes are free the moment its connection drops.
 */
export async function driveDownloadJob(opts: DriveOptions): Promise<DriveResult> {
  const db = getDb();
  const job = await loadWorkJob(db, opts.jobId);
  if (!job || job.state !== "running") return { outcome: "not_running" };

  let credentials: { username: string; password: string } | null = null;
  let mirror: MirrorAccess | null = null;
  try {
    if (job.source === "mirror") {
      const identity = job.cloudIdentityId ? await loadIdentityById(db, job.cloudIdentityId) : null;
      const keys = identity ? openKeysOrNull(identity) : null;
      if (!identity || !keys) {
        await endJob(db, { jobId: job.id, state: "failed", message: "Your cloud access keys are no longer stored. Resume the download and enter them again." });
        return { outcome: "ended", state: "failed" };
      }
      mirror = openMirror({ provider: identity.provider, slug: job.slug, version: job.version, keys, endpoints: opts.mirrorEndpoints });
    } else {
      credentials = await loadCredentials(db, job.userId);
    }
  } catch (e) {
    if (!(e instanceof CredentialUnreadableError)) throw e;
    await endJob(db, { jobId: job.id, state: "failed", message: `${e.message} Resume the download to enter it.` });
    return { outcome: "ended", state: "failed" };
  }
  if (!credentials && !mirror) {
    await endJob(db, { jobId: job.id, state: "failed", message: "Your PhysioNet password is no longer stored. Resume the download and enter it again." });
    return { outcome: "ended", state: "failed" };
  }
  try {
    return await driveWith(db, job, opts, credentials, mirror);
  } finally {
    mirror?.close();
  }
}

/** A key change or tampering reads as "no keys": the member enters them again on resume. */
function openKeysOrNull(identity: Parameters<typeof openKeys>[0]) {
  try {
    return openKeys(identity);
  } catch (e) {
    if (e instanceof CredentialUnreadableError) return null;
    throw e;
  }
}

async function driveWith(db: Db, job: WorkJob, opts: DriveOptions, credentials: { username: string; password: string } | null, mirror: MirrorAccess | null): Promise<DriveResult> {
  const storage = opts.storage ?? getStorage();
  const stagingDir = jobStagingDir(opts.staging ?? stagingRoot(), job.id);
  const workerId = opts.workerId ?? `${hostname()}:${process.pid}`;
  const locks = await openLockClient();
  // Every lane this call ever held (advisory locks, kept until it returns), and those running now.
  const lanes: number[] = [];
  const maxLanes = Math.min(job.concurrency, opts.maxLanes ?? job.concurrency);
  // The mirror does not throttle per connection as PhysioNet does: all lanes from the start (its 503
  // SlowDown still takes lanes away). Ramping up cost a short mirror download seconds.
  const adapter = createLaneAdapter({ max: maxLanes, initial: opts.initialLanes ?? (mirror ? maxLanes : INITIAL_LANES) });
  const takeLane = async (): Promise<number | null> => {
    for (let lane = 0; lane < job.concurrency; lane++) {
      if (lanes.includes(lane)) continue;
      if (await locks.tryLock(job.id, lane)) {
        lanes.push(lane);
        // Whoever held this lane before is gone: what they had claimed is ours to redo.
        await releaseLanes(db, { jobId: job.id, lanes: [lane] });
        return lane;
      }
    }
    return null;
  };
  try {
    while (lanes.length < adapter.initial && (await takeLane()) !== null);
    if (lanes.length === 0) return { outcome: "no_free_lane" };

    const controller = new AbortController();
    const stop = () => controller.abort();
    opts.signal?.addEventListener("abort", stop, { once: true });
    const failure: { problem: GateProblem | null } = { problem: null };
    const deadline = Date.now() + (opts.sliceMs ?? 300_000);
    const tracked = new Map<number, { stagedPath: string; lastSize: number }>();
    let received = 0;
    let throttled = 0;
    const active = new Map<number, { stop: AbortController; done: Promise<void> }>();
    // Bytes received, for the live view and the lane adapter: each file in flight is looked at once a
    // poll, and once more when it ends — by the size wget reported when it has one. (Looking at every
    // lane's file at every file's start and end was, for thousands of small files, the worker's
    // biggest CPU cost: ~12 s of a 50 s transfer on a loaded machine, in a profile of the bench.)
    const countGrowth = async (t: { stagedPath: string; lastSize: number }) => {
      const size = (await stat(t.stagedPath).catch(() => null))?.size ?? 0;
      if (size > t.lastSize) received += size - t.lastSize;
      t.lastSize = Math.max(t.lastSize === Number.MAX_SAFE_INTEGER ? 0 : t.lastSize, size);
    };
    const sample = async () => {
      await Promise.all([...tracked.values()].map(countGrowth));
    };

    const averageFileBytes = job.filesTotal > 0 ? job.bytesEstimate / job.filesTotal : 0;
    const minBatch = averageFileBytes > 0 ? Math.min(MAX_BATCH, Math.max(1, Math.floor(MIN_BATCH_BYTES / averageFileBytes))) : 1;
    let remaining = job.filesTotal;
    let gateAsked: { at: number; answer: Promise<GateProblem | null> } | null = null;
    const ctx: LaneContext = {
      db,
      job,
      source: opts.source,
      storage,
      credentials: credentials ?? { username: "", password: "" },
      stagingDir,
      cutDirs: cutDirs(opts.source),
      signal: controller.signal,
      deadline,
      retryBaseMs: opts.retryBaseMs ?? 2_000,
      waitRetrySeconds: opts.waitRetrySeconds ?? 2,
      // Large batches keep wget's connection busy; near the end they shrink so all lanes finish together.
      batchSize: () => Math.max(minBatch, Math.min(MAX_BATCH, Math.ceil(remaining / (Math.max(1, active.size) * 2)))),
      // Lanes ask before every batch; answers are shared for a moment so four lanes cost one check.
      gate: () => {
        if (!gateAsked || Date.now() - gateAsked.at > 500) {
          gateAsked = { at: Date.now(), answer: checkGate(db, { job, storage, stagingDir, nextBatchBytes: Math.round(averageFileBytes * ctx.batchSize() * Math.max(1, active.size)) }) };
        }
        return gateAsked.answer;
      },
      fail: (p) => {
        failure.problem ??= p;
        stop();
      },
      track: (lane, file, endedBytes) => {
        const previous = tracked.get(lane);
        // wget retrying the same file: it stays tracked as it was.
        if (previous && file && previous.stagedPath === file.stagedPath) return;
        if (previous) {
          if (endedBytes === undefined) void countGrowth(previous);
          else if (previous.lastSize !== Number.MAX_SAFE_INTEGER && endedBytes > previous.lastSize) received += endedBytes - previous.lastSize;
        }
        if (file) {
          // A file no lane touched before has no bytes in staging; a resumed partial's were counted
          // when they arrived, so counting starts from its size now.
          const entry = { stagedPath: file.stagedPath, lastSize: file.fresh ? 0 : Number.MAX_SAFE_INTEGER };
          tracked.set(lane, entry);
          if (!file.fresh) void stat(file.stagedPath).then((s) => (entry.lastSize = s.size), () => (entry.lastSize = 0));
        } else tracked.delete(lane);
      },
      countReceived: (bytes) => {
        received += bytes;
      },
      onSpawn: opts.onSpawn,
      onStatus: (status) => {
        if (status === 429 || status === 503) throttled++;
      },
    };
    const errors: unknown[] = [];
    // A lane runs with a signal of its own, so the adapter can stop one lane and leave the others:
    // its wget is killed, its claimed files go back to pending and its partial file stays for -c.
    const startLane = (lane: number) => {
      const laneStop = new AbortController();
      const onStop = () => laneStop.abort();
      controller.signal.addEventListener("abort", onStop, { once: true });
      // A lane that throws (the database gone) stops the others.
      const laneCtx = { ...ctx, signal: laneStop.signal };
      const done = (mirror ? runMirrorLane({ ...laneCtx, mirror }, lane) : runLane(laneCtx, lane))
        .catch((e: unknown) => {
          errors.push(e);
          stop();
        })
        .finally(() => {
          controller.signal.removeEventListener("abort", onStop);
          active.delete(lane);
        });
      active.set(lane, { stop: laneStop, done });
    };
    let adapting = false;
    const adapt = async (bytes: number) => {
      const window = { bytes, lanes: active.size, throttled, moreWork: remaining > active.size };
      throttled = 0;
      if (adapting || controller.signal.aborted || active.size === 0) return;
      const decision = adapter.decide(window);
      adapting = true;
      try {
        if (decision === "add") {
          const idle = lanes.find((l) => !active.has(l));
          const lane = idle ?? (await takeLane());
          if (lane !== null && !controller.signal.aborted) startLane(lane);
        } else if (decision === "remove") {
          const last = [...active.keys()].at(-1);
          if (last !== undefined) active.get(last)!.stop.abort();
        }
      } finally {
        adapting = false;
      }
      opts.onLanes?.({ decision, lanes: active.size, throttled: window.throttled });
    };

    // Progress for the live view, and the job's state: a pause or cancel stops the lanes within a second.
    let lastGate = Date.now();
    const poll = async () => {
      await sample();
      const delta = received;
      received = 0;
      const at = now();
      const [row] = await db
        .update(downloadJobs)
        .set({ bytesReceived: sql`${downloadJobs.bytesReceived} + ${delta}`, updatedAt: at })
        .where(eq(downloadJobs.id, job.id))
        .returning({ state: downloadJobs.state, total: downloadJobs.filesTotal, done: downloadJobs.filesDone, skipped: downloadJobs.filesSkipped, failed: downloadJobs.filesFailed });
      if (row) remaining = row.total - row.done - row.skipped - row.failed;
      await adapt(delta);
      if (!row || row.state !== "running") stop();
      if (Date.now() >= deadline) stop();
      if (Date.now() - lastGate >= GATE_DURING_BATCH_MS) {
        lastGate = Date.now();
        const found = await ctx.gate();
        if (found) ctx.fail(found);
      }
      for (const lane of active.keys()) {
        const t = tracked.get(lane);
        const values = { jobId: job.id, lane, worker: workerId, currentPath: t ? t.stagedPath.slice(stagingDir.length + 1) : null, bytesInFlight: t ? t.lastSize : 0, updatedAt: at };
        await db.insert(downloadLanes).values(values).onConflictDoUpdate({ target: [downloadLanes.jobId, downloadLanes.lane], set: values });
      }
    };
    const timer = setInterval(() => void poll().catch(() => {}), POLL_MS);
    try {
      // Lanes are released only once every lane has stopped: never while a sibling still holds
      // claimed files. The adapter may start lanes meanwhile, so wait until none runs.
      for (const lane of lanes) startLane(lane);
      while (active.size > 0) await Promise.race([...active.values()].map((a) => a.done));
      if (errors.length > 0) throw errors[0];
    } finally {
      clearInterval(timer);
      opts.signal?.removeEventListener("abort", stop);
      await poll().catch(() => {});
      await releaseLanes(db, { jobId: job.id, lanes });
      await db.delete(downloadLanes).where(and(eq(downloadLanes.jobId, job.id), inArray(downloadLanes.lane, lanes)));
    }
    if (failure.problem) {
      await endJob(db, { jobId: job.id, state: failure.problem.state, message: failure.problem.message, from: ["running"] });
      return { outcome: "ended", state: failure.problem.state };
    }
  } finally {
    await locks.close();
  }

  const ended = await finishJobIfDone(db, job.id);
  if (ended) return { outcome: "ended", state: ended };
  const after = await loadWorkJob(db, job.id);
  if (!after || after.state !== "running") return { outcome: "ended", state: after?.state ?? "gone" };
  const wait = await nextRetryDelay(db, job.id);
  return { outcome: "continue", notBefore: wait && wait > 1000 ? new Date(Date.now() + wait) : null };
}
