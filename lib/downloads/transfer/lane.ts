import "server-only";
import { randomUUID } from "node:crypto";
import { mkdir, stat } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Db } from "@/lib/db/client";
import { sha256OfFile } from "@/lib/physionet/sha256-sums";
import type { WgetCredentials } from "@/lib/physionet/wget/credentials";
import type { FileStorage } from "@/lib/storage/file-storage";
import { claimBatch, nextRetryDelay, recordAttemptFailure, releaseFile, type ClaimedFile } from "../claims";
import type { GateProblem } from "../gate";
import type { WorkJob } from "../job-record";
import { fileUrl, type PhysionetSource } from "../source";
import { followHash } from "./follow-hash";
import { newLaneSession, type LaneSession } from "./lane-session";
import { createVerifier } from "./verifier";
import { runWgetList } from "./wget-list";
import type { UrlOutcome } from "./wget-log";

// One lane: one wget process at a time, fed batches of claimed files with `-i`. Each file wget
// finishes goes to the verifier (./verifier.ts) while wget already fetches the next one. Partial
// files stay in the job's staging folder for `-c`.

export const MAX_ATTEMPTS = 8;
// Files this large are hashed while wget writes them (./follow-hash.ts); for small ones a second
// read from the page cache costs less than following. A file of unknown size (SHA256SUMS.txt gives
// none) is followed once wget has been on it this long: following every small file (opening it
// until it appeared, then polling it) was most of the worker's CPU for a tree of small files.
const FOLLOW_MIN_BYTES = 16 * 1024 * 1024;
const FOLLOW_UNKNOWN_AFTER_MS = 250;

/** What every lane needs, whatever its source (wget lanes here, mirror lanes in ./mirror-lane.ts). */
export type LaneCommon = {
  db: Db;
  job: WorkJob;
  storage: FileStorage;
  /** The job's staging folder: files land at <dir>/<path>. */
  stagingDir: string;
  /** Aborted when the slice ends, the job is paused or cancelled, or a job-level problem appeared. */
  signal: AbortSignal;
  deadline: number;
  retryBaseMs: number;
  batchSize(): number;
  gate(): Promise<GateProblem | null>;
  fail(problem: GateProblem): void;
  /**
   * The file a lane is on (null: none), for progress. `fresh`: no lane touched it before, so staging
   * holds none of its bytes. `endedBytes`: the size of the file the lane just finished, when known.
   */
  track(lane: number, file: { stagedPath: string; fresh?: boolean } | null, endedBytes?: number): void;
  /** Bytes received outside a tracked file (the mirror's small files, several per lane at once). */
  countReceived?(bytes: number): void;
  /** Every HTTP status the source answered this lane (the lane adapter backs off on 429 and 503). */
  onStatus?(status: number): void;
};

export type LaneContext = LaneCommon & {
  source: PhysionetSource;
  credentials: WgetCredentials;
  cutDirs: number;
  /** wget's own pause between its retries of one file (it waits 1 s, 2 s, … up to this). */
  waitRetrySeconds: number;
  onSpawn?: (info: { pid: number; args: readonly string[]; env: Readonly<Record<string, string>> }) => void;
};

const REFUSED: Record<number, (job: WorkJob) => GateProblem> = {
  401: () => ({ state: "failed", message: "PhysioNet did not accept the username or password (HTTP 401). Resume the download with the right password." }),
  403: (job) => ({ state: "failed", message: `PhysioNet refused access to ${job.slug} ${job.version} (HTTP 403): the account's credentialing, training or DUA for this version is missing there.` }),
};

export async function runLane(ctx: LaneContext, lane: number): Promise<void> {
  const session = newLaneSession({ credentials: ctx.credentials, caCertificate: ctx.source.caCertificate });
  const token = randomUUID();
  // One verifier for the lane's whole slice: the next batch's wget starts while the last files of
  // the previous one are still being checked and moved, instead of after them (each batch boundary
  // used to wait for its last fsyncs and commit).
  const verifier = createVerifier(ctx, { token, backoff: (attempts) => backoff(ctx, attempts) });
  try {
    await claimBatches(ctx, { lane, token }, (batch) => transferBatch(ctx, { lane, token, session, batch, verifier }), () => verifier.drain());
  } finally {
    await verifier.drain();
  }
}

/**
 * The loop every lane runs, whatever its source: ask the gate, claim a batch under the lane's token
 * and hand it to `transfer`; with nothing to claim, wait for the next retry if it falls in this slice.
 * `settle` (if given) finishes the checks still running: a file failing one goes back to pending, so
 * the lane looks again after it before it concludes that nothing is left.
 */
export async function claimBatches(ctx: LaneCommon, { lane, token }: { lane: number; token: string }, transfer: (batch: ClaimedFile[]) => Promise<void>, settle?: () => Promise<void>): Promise<void> {
  let settled = false;
  while (!ctx.signal.aborted) {
    const problem = await ctx.gate();
    if (problem) return ctx.fail(problem);
    if (ctx.signal.aborted) return;
    const batch = await claimBatch(ctx.db, { jobId: ctx.job.id, lane, token, limit: ctx.batchSize() });
    if (batch.length === 0 && settle && !settled) {
      settled = true;
      await settle();
      continue;
    }
    settled = false;
    if (batch.length === 0) {
      const wait = await nextRetryDelay(ctx.db, ctx.job.id);
      // Nothing pending at all (other lanes hold the rest), or the next retry falls after this slice.
      if (wait === null || Date.now() + wait >= ctx.deadline) return;
      await sleep(Math.max(50, wait), undefined, { signal: ctx.signal }).catch(() => {});
      continue;
    }
    await transfer(batch);
  }
}

type Verifier = ReturnType<typeof createVerifier>;

async function transferBatch(ctx: LaneContext, { lane, token, session, batch, verifier }: { lane: number; token: string; session: LaneSession; batch: ClaimedFile[]; verifier: Verifier }): Promise<void> {
  const staged = (p: string) => path.join(ctx.stagingDir, ...p.split("/"));
  const settled = new Set<string>();

  // A file may already be whole in staging (a worker died between wget and the move): verify it
  // without asking PhysioNet again. A partial one is left for wget -c.
  const toFetch: ClaimedFile[] = [];
  for (const file of batch) {
    // Only a file some lane worked on before can have bytes in staging.
    const size = file.touched ? ((await stat(staged(file.path)).catch(() => null))?.size ?? 0) : 0;
    if (size > 0 && (await sha256OfFile({ filePath: staged(file.path) })) === file.sha256) {
      settled.add(file.path);
      await verifier.submit(file, staged(file.path));
    } else {
      toFetch.push(file);
    }
  }
  if (toFetch.length === 0) return;

  await mkdir(ctx.stagingDir, { recursive: true, mode: 0o700 });
  const byUrl = new Map(toFetch.map((f) => [fileUrl(ctx.source, ctx.job, f.path), f]));
  let submitting: Promise<void> = Promise.resolve();
  const followers = new Map<string, ReturnType<typeof followHash>>();
  const lateFollowers = new Map<string, NodeJS.Timeout>();
  const run = await runWgetList({
    session,
    urls: [...byUrl.keys()],
    args: [
      "--continue",
      "--force-directories",
      "--no-host-directories",
      `--cut-dirs=${ctx.cutDirs}`,
      `--directory-prefix=${ctx.stagingDir}`,
      "--progress=dot:mega",
      "--tries=3",
      `--waitretry=${ctx.waitRetrySeconds}`,
      "--read-timeout=60",
      "--retry-connrefused",
      "--retry-on-http-error=429,500,502,503,504",
    ],
    signal: ctx.signal,
    timeoutMs: Math.max(60_000, ctx.deadline - Date.now() + 60_000),
    onSpawn: ctx.onSpawn,
    onStatus: ctx.onStatus,
    onUrlStart: (url) => {
      const file = byUrl.get(url);
      if (!file) return;
      ctx.track(lane, { stagedPath: staged(file.path), fresh: !file.touched });
      // A file no lane touched was not in staging: wget writes it from its first byte, whenever
      // following starts. A partial one is followed from the start, to see its size before wget appends.
      const follow = () => followers.set(file.path, followHash(staged(file.path), file.touched ? {} : { sizeAtStart: 0 }));
      if (file.size !== null ? file.size >= FOLLOW_MIN_BYTES : file.touched) follow();
      else if (file.size === null) lateFollowers.set(file.path, setTimeout(follow, FOLLOW_UNKNOWN_AFTER_MS));
    },
    onUrlEnd: (url, outcome) => {
      const file = byUrl.get(url);
      ctx.track(lane, null, outcome.complete ? (outcome.totalBytes ?? file?.size ?? undefined) : undefined);
      if (!file) return;
      clearTimeout(lateFollowers.get(file.path));
      lateFollowers.delete(file.path);
      const follower = followers.get(file.path);
      followers.delete(file.path);
      if (!outcome.complete) return follower?.stop();
      settled.add(file.path);
      const followed = follower ? { hash: follower.finish(), okResponses: outcome.okResponses } : undefined;
      submitting = submitting.then(() => verifier.submit(file, staged(file.path), followed));
    },
  });
  for (const timer of lateFollowers.values()) clearTimeout(timer);
  for (const follower of followers.values()) follower.stop();
  await submitting;

  for (const file of toFetch) {
    if (settled.has(file.path)) continue;
    const url = fileUrl(ctx.source, ctx.job, file.path);
    await settleUnfinished(ctx, { file, token, outcome: run.outcomes.get(url) ?? null, interrupted: run.aborted });
  }
}

async function settleUnfinished(ctx: LaneContext, { file, token, outcome, interrupted }: { file: ClaimedFile; token: string; outcome: UrlOutcome | null; interrupted: boolean }): Promise<void> {
  const refused = outcome?.status ? REFUSED[outcome.status] : undefined;
  if (outcome?.enospc) {
    ctx.fail({ state: "failed", message: "Lab storage is full: wget could not write to the staging folder (No space left on device). Free some space, then resume. Verified files are kept." });
    return releaseFile(ctx.db, { jobId: ctx.job.id, path: file.path, token });
  }
  if (refused) {
    ctx.fail(refused(ctx.job));
    return releaseFile(ctx.db, { jobId: ctx.job.id, path: file.path, token });
  }
  // Never reached, or cut off by a pause, a cancel or the end of the slice: not a failed attempt.
  if (!outcome || (interrupted && ctx.signal.aborted)) return releaseFile(ctx.db, { jobId: ctx.job.id, path: file.path, token });
  if (outcome.status === 404) {
    return recordAttemptFailure(ctx.db, { jobId: ctx.job.id, path: file.path, token, checksum: false, retryInMs: null, error: "PhysioNet has no such file (HTTP 404), although SHA256SUMS.txt lists it" });
  }
  const attempts = file.attempts + 1;
  const reason = outcome.ioError ? `could not be written: ${outcome.ioError}` : outcome.status && outcome.status >= 400 ? `PhysioNet answered ${outcome.status}` : (outcome.message ?? "the transfer did not finish");
  await recordAttemptFailure(ctx.db, {
    jobId: ctx.job.id,
    path: file.path,
    token,
    checksum: false,
    retryInMs: attempts >= MAX_ATTEMPTS ? null : backoff(ctx, attempts),
    error: attempts >= MAX_ATTEMPTS ? `gave up after ${attempts} attempts: ${reason}` : `attempt ${attempts}: ${reason}; will resume`,
  });
}

export function backoff(ctx: LaneCommon, attempts: number): number {
  return Math.min(300_000, ctx.retryBaseMs * 2 ** Math.max(0, attempts - 1));
}
