import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { HttpError, type ApiClient } from "./api-client";

export type ManifestFile = { path: string; size: number; sha256: string };
export type Throttle = (bytes: number) => Promise<void>;

/** The SHA-256 of a local file, or null when it does not exist. */
export async function sha256OfFile(file: string): Promise<string | null> {
  const hash = createHash("sha256");
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
  return hash.digest("hex");
}

/** Whether `target` already holds exactly this file (size first: cheap; then the hash). */
export async function isAlreadyThere(target: string, f: ManifestFile): Promise<boolean> {
  const info = await stat(target).catch(() => null);
  return info !== null && info.isFile() && info.size === f.size && (await sha256OfFile(target)) === f.sha256;
}

/**
 * Fetches one file into `<target>.part`, resuming a previous part with Range, hashing as it writes;
 * renamed into place only when the whole file's SHA-256 is the manifest's. A part that does not
 * verify is removed, so the next attempt starts clean.
 */
export async function fetchFile(opts: { api: ApiClient; urlPath: string; target: string; file: ManifestFile; signal: AbortSignal; throttle: Throttle; onBytes: (n: number) => void }): Promise<"fetched"> {
  const part = `${opts.target}.part`;
  await mkdir(path.dirname(opts.target), { recursive: true });
  const hash = createHash("sha256");
  let have = (await stat(part).catch(() => null))?.size ?? 0;
  if (have > opts.file.size) {
    await rm(part, { force: true });
    have = 0;
  }
  if (have > 0) for await (const chunk of createReadStream(part)) hash.update(chunk as Buffer);
  const res = have > 0 && have < opts.file.size ? await opts.api.get(opts.urlPath, { headers: { range: `bytes=${have}-` }, signal: opts.signal }) : have === opts.file.size ? null : await opts.api.get(opts.urlPath, { signal: opts.signal });
  if (res && !(res.status === 200 || res.status === 206)) throw new HttpError(res.status, `${opts.file.path}: HTTP ${res.status}`);
  if (res) {
    // The server ignored the range (or the part was empty): start over from byte 0.
    const restart = res.status === 200 && have > 0;
    if (restart) {
      have = 0;
      hash.destroy();
    }
    const h = restart ? createHash("sha256") : hash;
    const out = await open(part, restart || have === 0 ? "w" : "a");
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        await out.write(chunk);
        h.update(chunk);
        opts.onBytes(chunk.length);
        await opts.throttle(chunk.length);
      }
    } finally {
      await out.close();
    }
    return finish(opts, part, h.digest("hex"));
  }
  return finish(opts, part, hash.digest("hex"));
}

async function finish(opts: { target: string; file: ManifestFile }, part: string, digest: string): Promise<"fetched"> {
  if (digest !== opts.file.sha256) {
    await rm(part, { force: true });
    throw new Error(`${opts.file.path}: SHA-256 ${digest.slice(0, 12)}… is not the manifest's ${opts.file.sha256.slice(0, 12)}…`);
  }
  await rename(part, opts.target);
  return "fetched";
}
