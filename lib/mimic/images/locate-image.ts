import "server-only";
import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import { sql } from "drizzle-orm";
import { getDb } from "@/lib/db/client";

export type ImageContentType = "application/dicom" | "image/jpeg";

export type LocatedImage = { filePath: string; contentType: ImageContentType; size: number };

/** MIMIC dicom_ids are five dash-separated hex groups; hex and dashes alone can never spell a path. */
export const DICOM_ID_PATTERN = /^[0-9a-f]{8}(?:-[0-9a-f]{4,12}){3,4}$/i;

const CONTENT_TYPES: Record<string, ImageContentType> = { ".dcm": "application/dicom", ".jpg": "image/jpeg", ".jpeg": "image/jpeg" };

/**
 * The file on disk for one image of a dataset the caller is already authorized for, or null when the
 * image is unknown, was not in lab storage at import time, or is no longer there. The path comes from
 * imported CSV rows, so it is treated as untrusted: anything that resolves (through `..` or symlinks)
 * outside the directory the current data was imported from is refused.
 */
export async function locateImage(opts: { datasetId: string; dicomId: string }): Promise<LocatedImage | null> {
  if (!DICOM_ID_PATTERN.test(opts.dicomId)) return null;
  const db = getDb();
  const [image, sources] = await Promise.all([
    db.execute<{ path: string }>(sql`
      select path from mimic_image where dataset_id = ${opts.datasetId} and dicom_id = ${opts.dicomId} and present_locally`),
    // The live tables come from the latest succeeded import. A later "unchanged" import had the same
    // files and the same local image names, so its directory holds them too (newest first: the
    // steward's latest word on where the data lives; older ones in case that copy was removed).
    db.execute<{ source_dir: string }>(sql`
      with live as (
        select fingerprint from mimic_imports where dataset_id = ${opts.datasetId} and status = 'succeeded'
        order by finished_at desc nulls last, started_at desc limit 1)
      select m.source_dir from mimic_imports m join live on m.fingerprint = live.fingerprint
      where m.dataset_id = ${opts.datasetId} and m.status in ('succeeded', 'unchanged')
      group by m.source_dir order by max(m.started_at) desc limit 5`),
  ]);
  const rel = image.rows[0]?.path;
  if (!rel) return null;
  for (const { source_dir } of sources.rows) {
    const found = await resolveImageFile(source_dir, rel);
    if (found) return found;
  }
  return null;
}

/** `rel` inside `root` as a regular file with an image extension, or null (missing or outside). */
export async function resolveImageFile(root: string, rel: string): Promise<LocatedImage | null> {
  const contentType = CONTENT_TYPES[path.extname(rel).toLowerCase()];
  if (!contentType || rel.includes("\0") || path.isAbsolute(rel)) return null;
  const realRoot = await realpathOrNull(root);
  if (!realRoot) return null;
  if (!isInside(realRoot, path.resolve(realRoot, rel))) return null;
  // Resolve again after symlinks: a link inside the import directory may point anywhere.
  const real = await realpathOrNull(path.resolve(realRoot, rel));
  if (!real || !isInside(realRoot, real)) return null;
  // Paths are data (lab storage), not project files: keep the bundler from tracing the whole project.
  const info = await stat(/*turbopackIgnore: true*/ real);
  if (!info.isFile()) return null;
  return { filePath: real, contentType, size: info.size };
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative !== "" && relative !== ".." && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}

async function realpathOrNull(p: string): Promise<string | null> {
  try {
    return await realpath(/*turbopackIgnore: true*/ p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return null;
    throw e;
  }
}
