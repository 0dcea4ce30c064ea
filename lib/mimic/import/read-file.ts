import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { PassThrough, type Readable } from "node:stream";
import { createGunzip } from "node:zlib";

/**
 * Opens a file for import: counts bytes read (for progress) and hashes them (to check against
 * SHA256SUMS.txt and to fingerprint the import), and gunzips `.gz` files.
 */
export function openImportFile(opts: { path: string; onBytes: (n: number) => void }): { body: Readable; sha256: () => string } {
  const hash = createHash("sha256");
  const counter = new PassThrough();
  counter.on("data", (chunk: Buffer) => {
    hash.update(chunk);
    opts.onBytes(chunk.length);
  });
  const raw = createReadStream(opts.path, { highWaterMark: 1 << 20 });
  raw.on("error", (e) => counter.destroy(e));
  raw.pipe(counter);
  if (!opts.path.endsWith(".gz")) return { body: counter, sha256: () => hash.digest("hex") };
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  counter.on("error", (e) => gunzip.destroy(e));
  return { body: counter.pipe(gunzip), sha256: () => hash.digest("hex") };
}
