import "server-only";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { rm } from "node:fs/promises";
import { recordAttemptFailure, recordVerified, type ClaimedFile, type VerifiedFile } from "../claims";
import { storageKeyFor } from "../paths";
import type { FollowedHash } from "./follow-hash";
import type { LaneContext } from "./lane";

/** A hash taken while wget wrote the file, and how many 200s wget got for it (each may have truncated it). */
export type Followed = { hash: Promise<FollowedHash | null>; okResponses: number };

export const MAX_CHECKSUM_FAILURES = 3;
const PARALLEL = 4;
const COMMIT_EVERY = 32;
const COMMIT_AFTER_MS = 250;

/**
 * Checks the files wget finished while it fetches the next ones: hashes each against SHA256SUMS.txt,
 * moves a match into lab storage (a rename, or one S3 PUT), and records moved files in groups (one
 * transaction per 32 files or quarter second). A mismatch deletes the staged bytes so the next
 * attempt starts clean; after three, the file is reported failed.
 */
export function createVerifier(ctx: LaneContext, opts: { token: string; backoff: (attempts: number) => number }) {
  const running = new Set<Promise<void>>();
  let moved: VerifiedFile[] = [];
  let flushTimer: NodeJS.Timeout | null = null;
  let flushing: Promise<unknown> = Promise.resolve();

  const flush = () => {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = null;
    const group = moved;
    moved = [];
    if (group.length === 0) return flushing;
    flushing = flushing.then(() => recordVerified(ctx.db, { jobId: ctx.job.id, labId: ctx.job.labId, datasetId: ctx.job.datasetId, token: opts.token, files: group }));
    return flushing;
  };

  async function check(file: ClaimedFile, stagedPath: string, followed?: Followed): Promise<void> {
    const { size, sha256 } = (await followedMatch(file, followed)) ?? (await hashFile(stagedPath)) ?? { size: undefined, sha256: null };
    if (size !== undefined && sha256 === file.sha256) {
      const storageKey = storageKeyFor(ctx.job, file.path);
      await ctx.storage.putFile(storageKey, stagedPath);
      moved.push({ path: file.path, size, storageKey });
      if (moved.length >= COMMIT_EVERY) void flush();
      else flushTimer ??= setTimeout(() => void flush(), COMMIT_AFTER_MS);
      return;
    }
    await rm(stagedPath, { force: true });
    const failures = file.checksumFailures + 1;
    const error =
      sha256 === null
        ? "wget reported the file complete but it is not in staging"
        : `SHA-256 ${sha256} does not match SHA256SUMS.txt (${file.sha256})${failures >= MAX_CHECKSUM_FAILURES ? ` after ${failures} downloads` : "; downloading it again"}`;
    await recordAttemptFailure(ctx.db, {
      jobId: ctx.job.id,
      path: file.path,
      token: opts.token,
      error,
      checksum: true,
      retryInMs: failures >= MAX_CHECKSUM_FAILURES ? null : opts.backoff(file.attempts + 1),
    });
  }

  return {
    /** Starts checking one file (at most four at a time per lane); resolves when there is room for the next. */
    async submit(file: ClaimedFile, stagedPath: string, followed?: Followed): Promise<void> {
      while (running.size >= PARALLEL) await Promise.race(running);
      const task: Promise<void> = check(file, stagedPath, followed).finally(() => running.delete(task));
      running.add(task);
    },
    /** Waits for every check and records what is still unrecorded. */
    async drain(): Promise<void> {
      const results = await Promise.allSettled([...running]);
      await flush();
      const failed = results.find((r) => r.status === "rejected");
      if (failed) throw (failed as PromiseRejectedResult).reason;
    },
  };
}

/**
 * The hash taken while wget wrote, when it covers exactly the bytes on disk: wget only appended
 * (no 200, or a single 200 into a file that was empty when following began) and it matches. Anything
 * else — including a mismatch, which must never be reported from a partial view — is null, and the
 * file is read again in full.
 */
export async function followedMatch(file: ClaimedFile, followed: Followed | undefined): Promise<{ size: number; sha256: string } | null> {
  if (!followed) return null;
  const result = await followed.hash.catch(() => null);
  if (!result) return null;
  const appendedOnly = followed.okResponses === 0 || (followed.okResponses === 1 && result.sizeAtStart === 0);
  return appendedOnly && result.sha256 === file.sha256 ? { size: result.size, sha256: result.sha256 } : null;
}

/** SHA-256 and size in one streamed read (memory stays flat whatever the size); null if the file is gone. */
async function hashFile(filePath: string): Promise<{ size: number; sha256: string } | null> {
  const hash = createHash("sha256");
  let size = 0;
  try {
    for await (const chunk of createReadStream(filePath, { highWaterMark: 256 * 1024 })) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
  return { size, sha256: hash.digest("hex") };
}
