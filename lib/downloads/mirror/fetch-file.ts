import "server-only";
import { createHash, type Hash } from "node:crypto";
import { constants, createReadStream } from "node:fs";
import { mkdirSync, writeFileSync } from "node:fs";
import { mkdir, open, readFile, rm, stat, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { getRange, mirrorStatus, objectSize, type MirrorAccess } from "./client";

// One file from a mirror into a staging path. A small file is one GET and one write. A larger one
// is fetched as ranged GETs, several in flight, each written at its own offset as it lands; the
// SHA-256 advances over the ranges in order as the prefix before them completes, from the bytes
// still in memory, so the hash of the whole file is known the moment its last range is written (the
// verifier then only compares). A marker beside the staged file records that written-and-hashed
// prefix: a resume after any crash re-hashes just that prefix and asks for the rest with Range.

export const CHUNK_BYTES = 8 * 1024 * 1024;
/**
 * Files up to this size are fetched whole and written synchronously: an async open/write/close
 * waits in libuv's four-thread pool behind the verifier's fsyncs (measured: ~100 ms a file on a
 * loaded two-core machine, the tree 27× slower than a plain GET loop), while a synchronous write of
 * a small file into the page cache takes microseconds.
 */
export const SMALL_BYTES = 1024 * 1024;
/** Ranged GETs in flight per file (only files over one chunk have several). */
export const PARALLEL_PER_FILE = 4;
/**
 * Ranges fetched or waiting for the hash ahead of the hashed prefix: a slow range holds up at most
 * this many (8 MiB each in memory) before no further one is started.
 */
const WINDOW = 8;
const CHUNK_TRIES = 4;
// The move into lab storage fsyncs the file first; flushing as the prefix grows overlaps that disk
// work with the network's, as ../transfer/follow-hash.ts does for wget.
const FLUSH_EVERY = 64 * 1024 * 1024;

export class MirrorRefusedError extends Error {
  constructor(public readonly status: number) {
    super(`HTTP ${status}`);
    this.name = "MirrorRefusedError";
  }
}

export type FetchedFile = { size: number; sha256: string; resumedFrom: number };

async function hashPrefix(filePath: string, hash: Hash, bytes: number): Promise<void> {
  for await (const chunk of createReadStream(filePath, { highWaterMark: 1024 * 1024, start: 0, end: bytes - 1 })) hash.update(chunk as Buffer);
}

/** Where the verified prefix of a staged file is kept: a dot-name, which no dataset path can be. */
const prefixMarker = (destination: string) => path.join(path.dirname(destination), `.${path.basename(destination)}.prefix`);
const MARKER_DIGITS = 20;

/** The prefix the marker vouches for (written and hashed in order), never more than is on disk; 0 without one. */
async function verifiedPrefix(destination: string): Promise<number> {
  const text = await readFile(prefixMarker(destination), "utf8").catch(() => "");
  const marked = /^\d+$/.test(text) ? Number(text) : 0;
  const onDisk = (await stat(destination).catch(() => null))?.size ?? 0;
  return Math.min(marked, onDisk);
}

// One positional write of a fixed width: a kill leaves the old number or the new one, never a mix.
async function mark(marker: FileHandle, prefix: number): Promise<void> {
  await marker.write(Buffer.from(String(prefix).padStart(MARKER_DIGITS, "0")), 0, MARKER_DIGITS, 0);
}

/** A range's chunks at its offset, in one writev while the whole of it is accepted at once (usual for a file). */
async function writeAt(file: FileHandle, chunks: Buffer[], position: number): Promise<void> {
  const { bytesWritten } = await file.writev(chunks, position);
  const total = chunks.reduce((n, c) => n + c.length, 0);
  if (bytesWritten === total) return;
  const rest = Buffer.concat(chunks).subarray(bytesWritten);
  for (let done = 0; done < rest.length; ) done += (await file.write(rest, done, rest.length - done, position + bytesWritten + done)).bytesWritten;
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
    const bytes = size === 0 ? Buffer.alloc(0) : Buffer.concat(await fetchChunk(access, filePath, 0, size - 1, opts.signal ?? new AbortController().signal));
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
  let have = opts.resume ? await verifiedPrefix(destination) : 0;
  if (have > size) have = 0;
  const hash = createHash("sha256");
  if (have > 0) await hashPrefix(destination, hash, have);
  const resumedFrom = have;
  // The marker exists before any byte is written at an offset: staged bytes are trusted only as far as it says.
  // Opened without truncating, so a kill before the first mark still leaves the previous number.
  const marker = await open(prefixMarker(destination), constants.O_RDWR | constants.O_CREAT, 0o600);
  const fileAbort = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, fileAbort.signal]) : fileAbort.signal;
  const running = new Set<Promise<void>>();
  let file: FileHandle | null = null;
  try {
    await mark(marker, have);
    file = await open(destination, have > 0 ? "r+" : "w", 0o600);
    const handle = file;
    const starts: number[] = [];
    for (let at = have; at < size; at += CHUNK_BYTES) starts.push(at);
    // Ranges written at their offsets whose bytes wait for the hash to reach them.
    const written = new Map<number, Buffer[]>();
    let next = 0;
    let hashed = 0;
    let flushedAt = have;
    let flushing: Promise<void> | null = null;
    const failures: unknown[] = [];
    const launch = (i: number) => {
      const start = starts[i]!;
      const task: Promise<void> = (async () => {
        const bytes = await fetchChunk(access, filePath, start, Math.min(start + CHUNK_BYTES, size) - 1, signal);
        await writeAt(handle, bytes, start);
        written.set(i, bytes);
      })()
        // A range that fails while this loop awaits something else must still end the file's attempt.
        .catch((e: unknown) => void failures.push(e))
        .finally(() => running.delete(task));
      running.add(task);
    };
    while (hashed < starts.length) {
      if (failures.length > 0) throw failures[0];
      while (next < starts.length && running.size < PARALLEL_PER_FILE && next - hashed < WINDOW) launch(next++);
      // Ranges may have landed while the marker was written: wait only when the next one has not
      // (it is then in flight, so the race has something to wait for).
      if (!written.has(hashed)) await Promise.race(running);
      if (failures.length > 0) throw failures[0];
      const before = have;
      for (let chunks = written.get(hashed); chunks; chunks = written.get(hashed)) {
        written.delete(hashed++);
        for (const chunk of chunks) {
          hash.update(chunk);
          have += chunk.length;
        }
      }
      if (have === before) continue;
      await mark(marker, have);
      opts.onProgress?.(have);
      if (!flushing && have - flushedAt >= FLUSH_EVERY) {
        flushedAt = have;
        flushing = handle
          .datasync()
          .catch(() => {})
          .finally(() => (flushing = null));
      }
    }
    await flushing;
  } catch (e) {
    fileAbort.abort();
    // No write may land after the handle is closed (or in a file a retry has reopened).
    await Promise.allSettled([...running]);
    throw e;
  } finally {
    await file?.close();
    await marker.close();
  }
  await rm(prefixMarker(destination), { force: true });
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

async function fetchChunk(access: MirrorAccess, filePath: string, start: number, end: number, signal: AbortSignal): Promise<Buffer[]> {
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
