import "server-only";
import { readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { downloadJobs, mimicImports, storedFiles } from "@/db/schema";
import type { DbOrTx } from "@/lib/db/client";
import { storageKeyFor } from "@/lib/downloads/paths";
import { jobStagingDir, prepareStagingDir, stagingRoot } from "@/lib/downloads/staging";
import { getEnv } from "@/lib/env";
import { resolveImageFile } from "@/lib/mimic/images/locate-image";
import type { FileStorage } from "@/lib/storage/file-storage";
import { thumbnailCacheDir, thumbnailFileFor } from "@/lib/thumbnails/thumbnail-cache";
import type { ListedFile } from "./file-list";

// Every stored byte of one lab's copy of one dataset version, as a list of "<where>:<path>" names:
// "local:" or "s3:" + a lab storage key (downloads), "file:" + an absolute path on this server (the
// import directory, cached thumbnails, staging leftovers of the version's download jobs).

export type Enumeration = { files: ListedFile[]; importDirs: string[]; keptPaths: string[]; stagingDirs: string[] };

export function storagePrefix(ref: { slug: string; version: string }): string {
  return storageKeyFor(ref, "");
}

export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
}

async function walk(dir: string): Promise<ListedFile[]> {
  let entries;
  try {
    entries = await readdir(/*turbopackIgnore: true*/ dir, { recursive: true, withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  const out: ListedFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    out.push({ path: `file:${full}`, size: (await stat(/*turbopackIgnore: true*/ full)).size });
  }
  return out;
}

/** The lab storage objects under the version's download prefix, plus catalog keys outside it. */
export async function listStorageObjects(db: DbOrTx, opts: { storage: FileStorage; labId: string; datasetId: string; ref: { slug: string; version: string } }): Promise<ListedFile[]> {
  const found = new Map<string, number>();
  for (const o of await opts.storage.list(storagePrefix(opts.ref))) found.set(o.key, o.size);
  const catalog = await db.select({ key: storedFiles.storageKey, size: storedFiles.size }).from(storedFiles).where(and(eq(storedFiles.labId, opts.labId), eq(storedFiles.datasetId, opts.datasetId)));
  for (const c of catalog) {
    if (found.has(c.key)) continue;
    const s = await opts.storage.stat(c.key);
    if (s) found.set(c.key, s.size);
  }
  return [...found].map(([key, size]) => ({ path: `${opts.storage.kind}:${key}`, size }));
}

/**
 * Lists everything. `shared` (another lab of this installation still holds the version): the
 * download objects, import directory, imported rows and thumbnails are that lab's too and stay; only
 * this lab's staging leftovers are listed.
 */
export async function enumerateVersion(db: DbOrTx, opts: { storage: FileStorage; labId: string; datasetId: string; ref: { slug: string; version: string }; shared: boolean }): Promise<Enumeration> {
  const files: ListedFile[] = [];
  const importDirs: string[] = [];
  const keptPaths: string[] = [];
  const jobs = await db.select({ id: downloadJobs.id }).from(downloadJobs).where(and(eq(downloadJobs.labId, opts.labId), eq(downloadJobs.datasetId, opts.datasetId)));
  const staging = stagingRoot();
  const stagingDirs = jobs.flatMap((j) => [jobStagingDir(staging, j.id), prepareStagingDir(staging, j.id)]);
  for (const dir of stagingDirs) files.push(...(await walk(dir)));
  if (opts.shared) return { files, importDirs, keptPaths, stagingDirs };

  files.push(...(await listStorageObjects(db, opts)));

  const storageRoot = await realpath(/*turbopackIgnore: true*/ path.resolve(getEnv().LABGATE_STORAGE_DIR)).catch(() => path.resolve(getEnv().LABGATE_STORAGE_DIR));
  const imports = await db.selectDistinct({ dir: mimicImports.sourceDir }).from(mimicImports).where(eq(mimicImports.datasetId, opts.datasetId));
  for (const { dir } of imports) {
    const real = await realpath(/*turbopackIgnore: true*/ dir).catch(() => null);
    if (!real) continue;
    // labgate deletes only inside lab storage; a directory elsewhere (an operator's `npm run import`)
    // is named on the attestation for the operator to remove.
    if (!isInside(storageRoot, real)) {
      keptPaths.push(real);
      continue;
    }
    importDirs.push(real);
  }
  // Thumbnails: the version's own cache folder, and any made before there were folders per version
  // (found by key, while the images they were made from still exist: the key needs size and time).
  const thumbs = new Set<string>();
  for (const f of await walk(path.join(thumbnailCacheDir(), opts.datasetId))) {
    thumbs.add(f.path.slice("file:".length));
    files.push(f);
  }
  const images = await db.execute<{ path: string }>(sql`select path from mimic_image where dataset_id = ${opts.datasetId} and present_locally`);
  for (const { path: rel } of images.rows) {
    for (const dir of importDirs) {
      const located = await resolveImageFile(dir, rel).catch(() => null);
      if (!located) continue;
      const info = await stat(/*turbopackIgnore: true*/ located.filePath);
      const { file } = thumbnailFileFor({ filePath: located.filePath, size: info.size, mtimeMs: info.mtimeMs });
      const t = await stat(/*turbopackIgnore: true*/ file).catch(() => null);
      if (t?.isFile() && !thumbs.has(file)) {
        thumbs.add(file);
        files.push({ path: `file:${file}`, size: t.size });
      }
    }
  }
  const seen = new Set(files.map((f) => f.path));
  // A local download directory imported in place is the same bytes as its storage keys: listed once.
  const localKey = (abs: string) => (opts.storage.kind === "local" && isInside(storageRoot, abs) ? `local:${path.relative(storageRoot, abs).split(path.sep).join("/")}` : null);
  for (const dir of importDirs) {
    for (const f of await walk(dir)) {
      const abs = f.path.slice("file:".length);
      const asKey = localKey(abs);
      if (seen.has(f.path) || (asKey && seen.has(asKey))) continue;
      seen.add(f.path);
      files.push(f);
    }
  }
  return { files, importDirs, keptPaths, stagingDirs };
}
