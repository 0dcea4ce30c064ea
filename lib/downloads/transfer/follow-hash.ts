import "server-only";
import { createHash } from "node:crypto";
import { open, type FileHandle } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

const CHUNK = 1024 * 1024;
const IDLE_MS = 20;
// The move into lab storage fsyncs the file first; flushing as it arrives keeps that last fsync short
// (2 GiB left dirty cost ~2 s here) and overlaps the disk's work with the network's.
const FLUSH_EVERY = 64 * 1024 * 1024;

export type FollowedHash = { size: number; sha256: string; sizeAtStart: number };

/**
 * Hashes a file while wget is still appending to it, so a large file is verified moments after its
 * last byte instead of one more full read later. Only valid while wget appends (206 answers, or one
 * 200 into a file that was empty when following began): the verifier checks that from wget's log and
 * re-reads the whole file otherwise. Memory is one 1 MiB buffer whatever the file size.
 */
export function followHash(filePath: string, opts: { sizeAtStart?: number } = {}): { finish(): Promise<FollowedHash | null>; stop(): void } {
  const hash = createHash("sha256");
  const buffer = Buffer.allocUnsafe(CHUNK);
  let finishing = false;
  let stopped = false;
  // Known by the caller when following starts after wget began (a file that was not in staging).
  let sizeAtStart: number | null = opts.sizeAtStart ?? null;
  let offset = 0;
  let flushedAt = 0;
  let flushing: Promise<void> | null = null;

  const done: Promise<FollowedHash | null> = (async () => {
    let handle: FileHandle | null = null;
    try {
      while (!handle) {
        if (stopped) return null;
        handle = await open(filePath, "r").catch((e: NodeJS.ErrnoException) => {
          if (e.code !== "ENOENT") throw e;
          return null;
        });
        sizeAtStart ??= handle ? (await handle.stat()).size : 0;
        // wget said it finished, yet the file never appeared: the caller reports that.
        if (!handle && finishing) return null;
        if (!handle) await sleep(IDLE_MS);
      }
      for (;;) {
        if (stopped) return null;
        const { bytesRead } = await handle.read(buffer, 0, CHUNK, offset);
        if (bytesRead > 0) {
          hash.update(buffer.subarray(0, bytesRead));
          offset += bytesRead;
          if (!flushing && offset - flushedAt >= FLUSH_EVERY) {
            const h = handle;
            flushedAt = offset;
            flushing = h.datasync().catch(() => {}).finally(() => (flushing = null));
          }
          continue;
        }
        // At the end of what is written: wget is done only when it said so; then this is the whole file.
        if (finishing) {
          await flushing;
          return { size: offset, sha256: hash.digest("hex"), sizeAtStart: sizeAtStart ?? 0 };
        }
        await sleep(IDLE_MS);
      }
    } finally {
      await flushing;
      await handle?.close();
    }
  })();
  // Nobody may be waiting when stop() ends it early; its outcome is then irrelevant.
  done.catch(() => {});

  return {
    finish() {
      finishing = true;
      return done;
    },
    stop() {
      stopped = true;
    },
  };
}
