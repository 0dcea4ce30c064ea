import "server-only";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { rm } from "node:fs/promises";
import { recordAttemptFailure, recordVerified, type ClaimedFile, type VerifiedFile } from "../claims";
import { storageKeyFor } from "../paths";
import type { FollowedHash } from "./follow-hash";
import type { LaneCommon } from "./lane";

/** A hash taken while wget wrote the file, and how many 200s wget got for it (each may have truncated it). */
export type Followed = { hash: Promise<FollowedHash | null>; okResponses: number };

export const MAX_CHECKSUM_FAILURES = 3;
/** Moves into lab storage tried per file before it is reported failed (with backoff: minutes in all). */
export const MAX_STORAGE_ATTEMPTS = 8;
const PARALLEL = 4;
const COMMIT_EVERY = 32;
const COMMIT_AFTER_MS = 250;
/** Files moved into lab storage together when moves are grouped (their fsyncs shared). */
const MOVE_GROUP = 64;
/** Larger files are moved on their own: their fsync is their bytes' writing, nothing to share. */
const GROUP_MAX_BYTES = 8 * 1024 * 1024;
/** Groups being moved at once per verifier: more only queue fsyncs in libuv's pool ahead of other work. */
const GROUPS_MOVING = 2;

/**
 * Checks the files wget finished while it fetches the next ones: hashes each against SHA256SUMS.txt,
 * moves a match into lab storage (a rename, or one S3 PUT), and records moved files in groups (one
 * transaction per 32 files or quarter second). A mismatch deletes the staged bytes so the next
 * attempt starts clean; after three, the file is reported failed.
 */
export function createVerifier(ctx: LaneCommon, opts: { token: string; backoff: (attempts: number) => number; groupMoves?: boolean }) {
  const running = new Set<Promise<void>>();
  // Matched files waiting to be moved as one group (groupMoves), and the groups being moved.
  let toMove: { file: ClaimedFile; stagedPath: string; storageKey: string; size: number }[] = [];
  const moving = new Set<Promise<void>>();
  const errors: unknown[] = [];
  let moved: VerifiedFile[] = [];
  let flushTimer: NodeJS.Timeout | null = null;
  let flushing: Promise<unknown> = Promise.resolve();

  const flush = () => {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = null;
    const group = moved;
    moved = [];
    if (group.length === 0) return flushing;
    // Kept for drain() as a check's error is: a flush started by the timer has nobody awaiting it.
    flushing = flushing
      .then(() => recordVerified(ctx.db, { jobId: ctx.job.id, labId: ctx.job.labId, datasetId: ctx.job.datasetId, token: opts.token, files: group }))
      .catch((e: unknown) => {
        errors.push(e);
      });
    return flushing;
  };

  async function check(file: ClaimedFile, stagedPath: string, followed?: Followed): Promise<void> {
    const { size, sha256 } = (await followedMatch(file, followed)) ?? (await hashFile(stagedPath)) ?? { size: undefined, sha256: null };
    if (size !== undefined && sha256 === file.sha256) {
      const storageKey = storageKeyFor(ctx.job, file.path);
      if (opts.groupMoves && size <= GROUP_MAX_BYTES) {
        toMove.push({ file, stagedPath, storageKey, size });
        if (toMove.length >= MOVE_GROUP) moveGroup();
        return;
      }
      try {
        await ctx.storage.putFile(storageKey, stagedPath);
      } catch (e) {
        return storageRefused(file, stagedPath, storageKey, e);
      }
      return recordMoved({ path: file.path, size, storageKey });
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

  function recordMoved(verified: VerifiedFile): void {
    moved.push(verified);
    if (moved.length >= COMMIT_EVERY) void flush();
    else flushTimer ??= setTimeout(() => void flush(), COMMIT_AFTER_MS);
  }

  // Lab storage refused this file (a folder removed or replaced under it, a failed S3 PUT): a failed
  // attempt of this file, never of the worker. The verified bytes stay in staging, so the retry
  // re-checks them and tries the move again without asking PhysioNet.
  async function storageRefused(file: ClaimedFile, stagedPath: string, storageKey: string, e: unknown): Promise<void> {
    const attempts = file.attempts + 1;
    const reason = `could not be moved into lab storage: ${storageErrorText(e, [stagedPath, storageKey, file.path])}`;
    await recordAttemptFailure(ctx.db, {
      jobId: ctx.job.id,
      path: file.path,
      token: opts.token,
      checksum: false,
      retryInMs: attempts >= MAX_STORAGE_ATTEMPTS ? null : opts.backoff(attempts),
      error: attempts >= MAX_STORAGE_ATTEMPTS ? `gave up after ${attempts} attempts: ${reason}` : `attempt ${attempts}: ${reason}; will retry`,
    });
  }

  /** Moves the matched files waiting so far as one group; they are recorded only once all are flushed. */
  function moveGroup(): void {
    const group = toMove;
    toMove = [];
    if (group.length === 0) return;
    const task: Promise<void> = (async () => {
      const results = await ctx.storage.putFiles(group.map((g) => ({ key: g.storageKey, sourcePath: g.stagedPath })));
      for (const [i, g] of group.entries()) {
        const error = results[i];
        if (error) await storageRefused(g.file, g.stagedPath, g.storageKey, error);
        else recordMoved({ path: g.file.path, size: g.size, storageKey: g.storageKey });
      }
    })()
      .catch((e: unknown) => {
        errors.push(e);
      })
      .finally(() => moving.delete(task));
    moving.add(task);
  }

  return {
    /** Starts checking one file (at most four at a time per lane); resolves when there is room for the next. */
    async submit(file: ClaimedFile, stagedPath: string, followed?: Followed): Promise<void> {
      while (running.size >= PARALLEL || moving.size >= GROUPS_MOVING) await Promise.race([...running, ...moving]);
      // A check that still throws (the database gone) is kept for drain(), never left as a promise
      // nobody awaits: an unhandled rejection would end the whole worker process and every job on it.
      const task: Promise<void> = check(file, stagedPath, followed)
        .catch((e: unknown) => {
          errors.push(e);
        })
        .finally(() => running.delete(task));
      running.add(task);
    },
    /** Waits for every check and records what is still unrecorded; rethrows the first check that threw. */
    async drain(): Promise<void> {
      await Promise.all([...running]);
      moveGroup();
      await Promise.all([...moving]);
      await flush();
      if (errors.length > 0) throw errors[0];
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

/**
 * One line for the download page: the system's code and message, never a stack, a server path or the
 * file's own path — a steward without access to the dataset sees errors but not the paths, which name
 * subjects and studies (decision 009).
 */
export function storageErrorText(e: unknown, names: readonly string[]): string {
  const error = e instanceof Error ? e : new Error(String(e));
  const code = (error as NodeJS.ErrnoException).code;
  let text = (code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message || error.name).split("\n")[0]!;
  // Node quotes the paths of a failed system call ("rename '/a' -> '/b'").
  text = text.replace(/'[^']*'/g, "…");
  for (const name of names) if (name) text = text.split(name).join("…");
  return text.slice(0, 300);
}
