import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { once } from "node:events";
import readline from "node:readline";
import { assertStorageKey, isStorageKey, type FileStorage } from "@/lib/storage/file-storage";

// One JSON line per stored object ({key, size, sha256}), sorted by key, written as it is hashed:
// a lab's storage holds millions of files and the manifest never sits in memory whole.

export type ManifestEntry = { key: string; size: number; sha256: string };
export type ManifestSummary = { files: number; bytes: number; sha256: string };

/** Size and sha256 of one object; with `copyTo`, the same bytes are written there as they are hashed. */
async function hashObject(storage: FileStorage, key: string, copyTo?: string): Promise<{ size: number; sha256: string } | null> {
  const stream = await storage.openRead(key);
  if (!stream) return null;
  const hash = createHash("sha256");
  let size = 0;
  let out: WriteStream | undefined;
  if (copyTo) {
    await mkdir(path.dirname(copyTo), { recursive: true, mode: 0o700 });
    out = createWriteStream(copyTo, { mode: 0o600 });
  }
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    hash.update(chunk as Buffer);
    if (out && !out.write(chunk)) await once(out, "drain");
  }
  if (out) {
    out.end();
    await once(out, "finish");
  }
  return { size, sha256: hash.digest("hex") };
}

/**
 * Every stored object. Local storage lists one folder at a time (a key is never empty), so its top
 * level is read here. Dot-named entries (staging, a put's temporaries) are not lab files and are left out.
 */
export async function listAllObjects(storage: FileStorage, localRoot?: string): Promise<{ key: string; size: number }[]> {
  if (storage.kind !== "local") return (await storage.list("")).filter((o) => isStorageKey(o.key));
  if (!localRoot) throw new Error("labgate: the local storage directory is needed to list it");
  const found: { key: string; size: number }[] = [];
  let entries;
  try {
    entries = await readdir(localRoot, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return found;
    throw e;
  }
  for (const entry of entries) {
    if (!isStorageKey(entry.name)) continue;
    if (entry.isDirectory()) found.push(...(await storage.list(`${entry.name}/`)).filter((o) => isStorageKey(o.key)));
    else if (entry.isFile()) {
      const s = await storage.stat(entry.name);
      if (s) found.push({ key: entry.name, size: s.size });
    }
  }
  return found;
}

/** Lab storage's keys, sizes and sha256 into `file`; returns counts and the manifest's own sha256. */
export async function writeStorageManifest(storage: FileStorage, file: string, opts: { localRoot?: string; copyTo?: string } = {}): Promise<ManifestSummary> {
  const { localRoot, copyTo } = opts;
  const objects = (await listAllObjects(storage, localRoot)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const out = createWriteStream(file, { mode: 0o600 });
  const whole = createHash("sha256");
  let files = 0;
  let bytes = 0;
  for (const o of objects) {
    const h = await hashObject(storage, o.key, copyTo ? path.join(copyTo, ...o.key.split("/")) : undefined);
    // Deleted between list and read (a destruction job, a put's temporary): not part of the copy.
    if (!h) continue;
    const line = `${JSON.stringify({ key: o.key, size: h.size, sha256: h.sha256 } satisfies ManifestEntry)}\n`;
    whole.update(line);
    files++;
    bytes += h.size;
    if (!out.write(line)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  return { files, bytes, sha256: whole.digest("hex") };
}

export type ManifestMismatch = { key: string; problem: string };

/** Every manifest entry checked against lab storage (presence, size, sha256); the file's own hash too. */
export async function checkStorageManifest(
  storage: FileStorage,
  file: string,
  expectedSha256?: string,
): Promise<{ checked: number; mismatches: ManifestMismatch[]; manifestIntact: boolean }> {
  const whole = createHash("sha256");
  const mismatches: ManifestMismatch[] = [];
  let checked = 0;
  const lines = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) continue;
    whole.update(`${line}\n`);
    const entry = JSON.parse(line) as ManifestEntry;
    checked++;
    const h = await hashObject(storage, entry.key);
    if (!h) mismatches.push({ key: entry.key, problem: "missing from lab storage" });
    else if (h.size !== entry.size) mismatches.push({ key: entry.key, problem: `size ${h.size}, backed up as ${entry.size}` });
    else if (h.sha256 !== entry.sha256) mismatches.push({ key: entry.key, problem: `sha256 ${h.sha256.slice(0, 16)}…, backed up as ${entry.sha256.slice(0, 16)}…` });
  }
  const manifestIntact = expectedSha256 === undefined || whole.digest("hex") === expectedSha256;
  return { checked, mismatches, manifestIntact };
}

/**
 * Puts the backup's copy of lab storage (`npm run backup -- --with-storage`) back, into storage that
 * holds no lab files yet. Each file is staged beside its destination (a dot-named folder of local
 * storage, which listings skip; the temp dir for S3) and handed over whole, as the app stores files.
 */
export async function putStorageCopy(opts: { storage: FileStorage; manifest: string; copy: string; localRoot?: string }): Promise<number> {
  const existing = await listAllObjects(opts.storage, opts.localRoot);
  if (existing.length > 0) throw new Error(`labgate: lab storage already holds ${existing.length} files (${existing[0]!.key}, …); restore --with-storage only into empty storage`);
  const staging = await mkdtemp(opts.storage.kind === "local" && opts.localRoot ? (await mkdir(opts.localRoot, { recursive: true }), path.join(opts.localRoot, ".restore-")) : path.join(os.tmpdir(), "labgate-restore-"));
  let n = 0;
  try {
    const lines = readline.createInterface({ input: createReadStream(opts.manifest), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line) continue;
      const { key } = JSON.parse(line) as ManifestEntry;
      assertStorageKey(key);
      const tmp = path.join(staging, String(n));
      await copyFile(path.join(opts.copy, ...key.split("/")), tmp);
      await opts.storage.putFile(key, tmp);
      n++;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return n;
}
