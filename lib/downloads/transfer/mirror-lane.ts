import "server-only";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { recordAttemptFailure, releaseFile, type ClaimedFile } from "../claims";
import { mirrorStatus, type MirrorAccess } from "../mirror/client";
import { fetchMirrorFile, MirrorRefusedError, mirrorFaultText } from "../mirror/fetch-file";
import { mirrorRefusal } from "../mirror/version-reader";
import { backoff, claimBatches, MAX_ATTEMPTS, type LaneCommon } from "./lane";
import { createVerifier } from "./verifier";

// A lane fed from PhysioNet's cloud mirror instead of wget: the same claims, staging folder,
// verifier (SHA-256 against SHA256SUMS.txt, atomic move into lab storage, grouped commits), retry
// rules and progress tracking; only the fetch differs (../mirror/fetch-file.ts: ranged GETs with the
// member's keys, appended in order and hashed as they land, resumed with Range after any crash).

export type MirrorLaneContext = LaneCommon & { mirror: MirrorAccess };

export async function runMirrorLane(ctx: MirrorLaneContext, lane: number): Promise<void> {
  const token = randomUUID();
  await claimBatches(ctx, { lane, token }, async (batch) => {
    const verifier = createVerifier(ctx, { token, backoff: (attempts) => backoff(ctx, attempts) });
    try {
      for (const file of batch) {
        // Files not begun when the slice ends, or the job pauses, go back to pending untouched.
        if (ctx.signal.aborted) {
          await releaseFile(ctx.db, { jobId: ctx.job.id, path: file.path, token });
          continue;
        }
        await transferOne(ctx, { lane, token, file, verifier });
      }
    } finally {
      await verifier.drain();
    }
  });
}

async function transferOne(
  ctx: MirrorLaneContext,
  { lane, token, file, verifier }: { lane: number; token: string; file: ClaimedFile; verifier: ReturnType<typeof createVerifier> },
): Promise<void> {
  const stagedPath = path.join(ctx.stagingDir, ...file.path.split("/"));
  ctx.track(lane, { stagedPath });
  try {
    // Only a file some lane worked on before can have bytes in staging: those are a prefix of it.
    const got = await fetchMirrorFile({ access: ctx.mirror, filePath: file.path, destination: stagedPath, size: file.size, resume: file.touched, signal: ctx.signal });
    ctx.track(lane, null, got.size);
    // The hash covers every byte of the staged file (a resumed prefix re-read, the rest as it landed).
    await verifier.submit(file, stagedPath, { hash: Promise.resolve({ size: got.size, sha256: got.sha256, sizeAtStart: 0 }), okResponses: 1 });
  } catch (e) {
    ctx.track(lane, null);
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
