import "server-only";
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdirSync, writeFileSync } from "node:fs";
import { mkdir, open, stat } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { getRange, mirrorStatus, objectSize, type MirrorAccess } from "./client";

// One file from a mirror into a staging path: ranged GETs, several in flight for a large file, whose
// bytes are appended strictly in order and hashed as they are appended. The staged file is therefore
// always a prefix of the real one, whatever kills the process: a resume asks for the rest with
// Range after re-hashing what is there, and a hash of the whole file is known the moment its last
// byte is written (the verifier then only compares).

export const CHUNK_BYTES = 8 * 1024 * 1024;
/**
 * Files up to this size are fetched whole and written synchronously: an async open/write/close
 * waits in libuv's four-thread pool behind the verifier's fsyncs (measured: ~100 ms a file on a
 * loaded two-core machine, the tree 27× slower than a plain GET loop), while a synchronous write of
 * a small file into the page cache takes microseconds.
 */
const SMALL_BYTES = 1024 * 1024;
/** Ranged GETs in flight per file (only files over one chunk have several). */
export const PARALLEL_PER_FILE = 4;
const CHUNK_TRIES = 4;
// The move into lab storage fsyncs the file first; flushing as it is appended overlaps that disk
// work with the network's, as ../transfer/follow-hash.ts does for wget.
const FLUSH_EVERY = 64 * 1024 * 1024;

export class MirrorRefusedError extends Error {
  constructor(public readonly status: number) {
    super(`HTTP ${status}`);
    this.name = "MirrorRefusedError";
  }
}

export type FetchedFile = { size: number; sha256: string; resumedFrom: number };

async function hashPrefix(filePath: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(filePath, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
}

/**
 * Fetches `filePath` of the version into `destination`, continuing a partial file when `resume`.
 * A 403/404 (or 401) is a MirrorRefusedError at once; other faults (resets, truncated bodies, 5xx
 * after the SDK's retries) are retried per chunk a few times, then thrown with the prefix kept.
 */
export async function fetchMirrorFile(opts: {
  access: MirrorAccess;
  filePath: string;
  destination: string;
  size?: number | null;
  resume: boolean;
  signal?: AbortSignal;
  onProgress?: (bytes: number) => void;
}): Promise<FetchedFile> {
  const { access, filePath, destination } = opts;
  let size = opts.size ?? null;
  if (size === null) size = await refusedOr(() => objectSize(access, filePath, opts.signal));
  if (!opts.resume && size <= SMALL_BYTES) {
    const bytes = size === 0 ? Buffer.alloc(0) : await fetchChunk(access, filePath, 0, size - 1, opts.signal ?? new AbortController().signal);
    ensureDir(path.dirname(destination));
    try {
      writeFileSync(destination, bytes, { mode: 0o600 });
    } catch (e) {
      // The folder was removed since it was made (a cancelled job's staging): make it again, once.
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      madeDirs.delete(path.dirname(destination));
      ensureDir(path.dirname(destination));
      writeFileSync(destination, bytes, { mode: 0o600 });
    }
    opts.onProgress?.(size);
    return { size, sha256: createHash("sha256").update(bytes).digest("hex"), resumedFrom: 0 };
  }
  await mkdir(path.dirname(destination), { recursive: true, mode: 0o700 });
  let have = opts.resume ? ((await stat(destination).catch(() => null))?.size ?? 0) : 0;
  const hash = createHash("sha256");
  if (have > size) have = 0;
  if (have > 0) await hashPrefix(destination, hash);
  const resumedFrom = have;
  const file = await open(destination, have > 0 ? "a" : "w", 0o600);
  const fileAbort = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, fileAbort.signal]) : fileAbort.signal;
  try {
    const ranges: [number, number][] = [];
    for (let at = have; at < size; at += CHUNK_BYTES) ranges.push([at, Math.min(at + CHUNK_BYTES, size) - 1]);
    let next = 0;
    const window: Promise<Buffer>[] = [];
    const launch = () => {
      const [start, end] = ranges[next++]!;
      const p = fetchChunk(access, filePath, start, end, signal);
      // Awaited in order below; marked handled now so a later chunk's failure is not "unhandled".
      p.catch(() => {});
      window.push(p);
    };
    while (next < ranges.length && window.length < PARALLEL_PER_FILE) launch();
    let flushedAt = have;
    let flushing: Promise<void> = Promise.resolve();
    while (window.length > 0) {
      const bytes = await window.shift()!;
      if (next < ranges.length) launch();
      // The write runs in libuv's pool while this thread hashes the same bytes.
      const written = file.write(bytes);
      hash.update(bytes);
      await written;
      have += bytes.length;
      opts.onProgress?.(have);
      if (have - flushedAt >= FLUSH_EVERY) {
        flushedAt = have;
        await flushing;
        flushing = file.datasync();
        // Awaited at the next flush or the end; marked handled now, as the ranges are.
        flushing.catch(() => {});
      }
    }
    await flushing;
  } catch (e) {
    fileAbort.abort();
    throw e;
  } finally {
    await file.close();
  }
  return { size, sha256: hash.digest("hex"), resumedFrom };
}

// Folders already made in this process: MIMIC puts one or two files in each study folder.
const madeDirs = new Set<string>();
function ensureDir(dir: string): void {
  if (madeDirs.has(dir)) return;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (madeDirs.size > 100_000) madeDirs.clear();
  madeDirs.add(dir);
}

async function refusedOr<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    const status = mirrorStatus(e);
    if (status === 401 || status === 403 || status === 404) throw new MirrorRefusedError(status);
    throw e;
  }
}

async function fetchChunk(access: MirrorAccess, filePath: string, start: number, end: number, signal: AbortSignal): Promise<Buffer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await refusedOr(() => getRange(access, filePath, start, end, signal));
    } catch (e) {
      if (e instanceof MirrorRefusedError || signal.aborted || attempt >= CHUNK_TRIES) throw e;
      await sleep(100 * 2 ** (attempt - 1), undefined, { signal }).catch(() => {});
    }
  }
}

/** One line for the download page about a failed fetch (never a key, a URL or a signature). */
export function mirrorFaultText(e: unknown): string {
  const status = mirrorStatus(e);
  if (status) return `the mirror answered ${status}`;
  const err = e as NodeJS.ErrnoException;
  if (err?.name === "TruncatedBodyError") return err.message;
  return (err?.code ?? err?.name ?? "the transfer did not finish").toString().slice(0, 80);
}
