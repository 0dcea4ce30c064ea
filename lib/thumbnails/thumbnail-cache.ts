import "server-only";
import { createHash, randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { getEnv } from "@/lib/env";
import type { LocatedImage } from "@/lib/mimic/images/locate-image";
import { renderThumbnail, THUMBNAIL_SIZE, UnreadableImageError } from "./render-thumbnail";
import { errorFields, log } from "@/lib/log/logger";

// Bump when the rendering changes, so old thumbnails are not served again.
const RENDER_VERSION = 1;
// Decoding a MIMIC-sized DICOM takes ~50 MB and most of a core; a grid page asks for 50 at once.
export const RENDERS_AT_ONCE = 2;

/**
 * Thumbnails live in lab storage under a dot-directory that nothing serves: the only way to them is
 * the thumbnail route, which checks access and audits every request. Files are the owner's alone.
 */
export function thumbnailCacheDir(): string {
  return path.join(path.resolve(getEnv().LABGATE_STORAGE_DIR), ".labgate-cache", "thumbnails");
}

/**
 * Where the thumbnail of one image file version is cached. One folder per dataset version, so the
 * destruction of a copy (lib/retention) removes every thumbnail of it, stale ones included; the
 * folderless layout is what thumbnails made before had (retention finds those by key).
 */
export function thumbnailFileFor(opts: { filePath: string; size: number; mtimeMs: number; datasetId?: string; cacheDir?: string }): { key: string; file: string } {
  // A changed file (new size or time) gets a new key, so a stale thumbnail is never shown.
  const key = createHash("sha256").update(JSON.stringify([RENDER_VERSION, THUMBNAIL_SIZE, opts.filePath, opts.size, opts.mtimeMs])).digest("hex");
  const root = opts.cacheDir ?? thumbnailCacheDir();
  return { key, file: path.join(opts.datasetId ? path.join(root, opts.datasetId) : root, key.slice(0, 2), `${key}.jpg`) };
}

export type ThumbnailResult = { ok: true; bytes: Buffer; cached: boolean } | { ok: false; reason: string };

const inFlight = new Map<string, Promise<Buffer>>();
const limit = createLimiter(RENDERS_AT_ONCE);

/** The thumbnail of an image file, from the cache or rendered (once, however many ask at the same time). */
export async function getThumbnail(opts: { image: LocatedImage; datasetId?: string; cacheDir?: string }): Promise<ThumbnailResult> {
  const { image } = opts;
  const info = await stat(/*turbopackIgnore: true*/ image.filePath);
  const { key, file } = thumbnailFileFor({ filePath: image.filePath, size: info.size, mtimeMs: info.mtimeMs, datasetId: opts.datasetId, cacheDir: opts.cacheDir });
  const hit = await readFile(/*turbopackIgnore: true*/ file).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return null;
    throw e;
  });
  if (hit) return { ok: true, bytes: hit, cached: true };
  let pending = inFlight.get(key);
  if (!pending) {
    pending = limit(() => renderThumbnail(image))
      .then(async (bytes) => {
        await writeAtomically(file, bytes);
        return bytes;
      })
      .finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  try {
    return { ok: true, bytes: await pending, cached: false };
  } catch (e) {
    if (e instanceof UnreadableImageError) return { ok: false, reason: e.message };
    throw e;
  }
}

/** Whole file or none: written beside its place and renamed. A failed write only costs a later re-render. */
async function writeAtomically(file: string, bytes: Buffer): Promise<void> {
  const temp = `${file}.${randomUUID()}.tmp`;
  try {
    await mkdir(/*turbopackIgnore: true*/ path.dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(/*turbopackIgnore: true*/ temp, bytes, { mode: 0o600, flag: "wx" });
    await rename(/*turbopackIgnore: true*/ temp, file);
  } catch (e) {
    await rm(/*turbopackIgnore: true*/ temp, { force: true });
    log().error(errorFields(e), "could not cache a thumbnail");
  }
}

/** Thrown by a limiter whose waiting line is full: the caller answers 429 instead of queueing forever. */
export class RendersBusyError extends Error {
  constructor() {
    super("too many renders waiting");
    this.name = "RendersBusyError";
  }
}

/** At most `n` calls of fn run at once; the others wait their turn in order (at most `maxWaiting` of them). */
export function createLimiter(n: number, opts: { maxWaiting?: number } = {}) {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active < n) active++;
    else if (queue.length >= (opts.maxWaiting ?? Infinity)) throw new RendersBusyError();
    else await new Promise<void>((resolve) => queue.push(resolve));
    try {
      return await fn();
    } finally {
      // Hand the slot straight to the next in line, so no newcomer can slip in between.
      const next = queue.shift();
      if (next) next();
      else active--;
    }
  };
}
