import "server-only";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { recordAttemptFailure, releaseFile, type ClaimedFile } from "../claims";
import { mirrorStatus, type MirrorAccess } from "../mirror/client";
import { fetchMirrorFile, MirrorRefusedError, mirrorFaultText, SMALL_BYTES } from "../mirror/fetch-file";
import { mirrorRefusal } from "../mirror/version-reader";
import { backoff, claimBatches, MAX_ATTEMPTS, type LaneCommon } from "./lane";
import { createVerifier } from "./verifier";

// A lane fed from PhysioNet's cloud mirror instead of wget: the same claims, staging folder,
// verifier (SHA-256 against SHA256SUMS.txt, atomic move into lab storage, grouped commits), retry
// rules and progress tracking; only the fetch differs (../mirror/fetch-file.ts: ranged GETs with the
// member's keys, appended in order and hashed as they land, resumed with Range after any crash).

export type MirrorLaneContext = LaneCommon & { mirror: MirrorAccess };

/**
 * Small files fetched at once per lane: a 5 KB report is one request's round trip and no bandwidth,
 * so one at a time left the connection idle most of the time. Large files go one at a time (each
 * has its own ranged GETs in flight, ../mirror/fetch-file.ts).
 */
const SMALL_IN_FLIGHT = 4;

export async function runMirrorLane(ctx: MirrorLaneContext, lane: number): Promise<void> {
  const token = randomUUID();
  await claimBatches(ctx, { lane, token }, async (batch) => {
    // Small files are moved into lab storage in groups, their fsyncs shared (verifier.ts).
    const verifier = createVerifier(ctx, { token, backoff: (attempts) => backoff(ctx, attempts), groupMoves: true });
    const inFlight = new Set<Promise<void>>();
    const errors: unknown[] = [];
    try {
      for (const file of batch) {
        const small = file.size !== null && file.size <= SMALL_BYTES;
        while (inFlight.size >= (small ? SMALL_IN_FLIGHT : 1)) await Promise.race(inFlight);
        // Files not begun when the slice ends, or the job pauses, go back to pending untouched.
        if (ctx.signal.aborted || errors.length > 0) {
          await releaseFile(ctx.db, { jobId: ctx.job.id, path: file.path, token });
          continue;
        }
        // Kept for the end of the batch, never left unawaited: an unhandled rejection ends the worker.
        const task: Promise<void> = transferOne(ctx, { lane, token, file, verifier, small })
          .catch((e: unknown) => void errors.push(e))
          .finally(() => inFlight.delete(task));
        inFlight.add(task);
      }
      await Promise.all(inFlight);
    } finally {
      await Promise.all(inFlight);
      await verifier.drain();
    }
    if (errors.length > 0) throw errors[0];
  });
}

async function transferOne(
  ctx: MirrorLaneContext,
  { lane, token, file, verifier, small }: { lane: number; token: string; file: ClaimedFile; verifier: ReturnType<typeof createVerifier>; small: boolean },
): Promise<void> {
  const stagedPath = path.join(ctx.stagingDir, ...file.path.split("/"));
  // A lane tracks one file's growth; small ones land in one write and are counted when they have.
  const track = small && ctx.countReceived ? () => {} : ctx.track;
  track(lane, { stagedPath, fresh: !file.touched });
  try {
    // Only a file some lane worked on before can have bytes in staging: those are a prefix of it.
    const got = await fetchMirrorFile({ access: ctx.mirror, filePath: file.path, destination: stagedPath, size: file.size, resume: file.touched, signal: ctx.signal });
    track(lane, null, got.size);
    if (small) ctx.countReceived?.(got.size - got.resumedFrom);
    // The hash covers every byte of the staged file (a resumed prefix re-read, the rest as it landed).
    await verifier.submit(file, stagedPath, { hash: Promise.resolve({ size: got.size, sha256: got.sha256, sizeAtStart: 0 }), okResponses: 1 });
  } catch (e) {
    track(lane, null);
    if (e instanceof MirrorRefusedError && e.status !== 404) {
      ctx.fail({ state: "failed", message: mirrorRefusal(e.status, ctx.job) });
      return releaseFile(ctx.db, { jobId: ctx.job.id, path: file.path, token });
    }
    if (e instanceof MirrorRefusedError) {
      return recordAttemptFailure(ctx.db, { jobId: ctx.job.id, path: file.path, token, checksum: false, retryInMs: null, error: "The cloud mirror has no such file (HTTP 404), although SHA256SUMS.txt lists it" });
    }
    if ((e as NodeJS.ErrnoException)?.code === "ENOSPC") {
      ctx.fail({ state: "failed", message: "Lab storage is full: the staging folder could not be written (No space left on device). Free some space, then resume. Verified files are kept." });
      return releaseFile(ctx.db, { jobId: ctx.job.id, path: file.path, token });
    }
    // Cut off by a pause, a cancel or the end of the slice: not a failed attempt; the prefix stays.
    if (ctx.signal.aborted) return releaseFile(ctx.db, { jobId: ctx.job.id, path: file.path, token });
    // A mirror's 503 SlowDown backs the lanes off as PhysioNet's 429/503 do.
    const status = mirrorStatus(e);
    if (status) ctx.onStatus?.(status);
    const attempts = file.attempts + 1;
    const reason = mirrorFaultText(e);
    await recordAttemptFailure(ctx.db, {
      jobId: ctx.job.id,
      path: file.path,
      token,
      checksum: false,
      retryInMs: attempts >= MAX_ATTEMPTS ? null : backoff(ctx, attempts),
      error: attempts >= MAX_ATTEMPTS ? `gave up after ${attempts} attempts: ${reason}` : `attempt ${attempts}: ${reason}; will resume`,
    });
  }
}
