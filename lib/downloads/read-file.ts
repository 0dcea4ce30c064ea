import "server-only";
import { and, eq } from "drizzle-orm";
import { storedFiles } from "@/db/schema";
import { getDb } from "@/lib/db/client";
import { isSafeDatasetPath } from "./paths";

export type StoredFileRef = { storageKey: string; size: number; sha256: string };

/** A verified file of this lab's copy of the dataset version, or null: only the catalog decides what can be read. */
export async function findStoredFile(opts: { labId: string; datasetId: string; path: string }): Promise<StoredFileRef | null> {
  if (!isSafeDatasetPath(opts.path)) return null;
  const [row] = await getDb()
    .select({ storageKey: storedFiles.storageKey, size: storedFiles.size, sha256: storedFiles.sha256 })
    .from(storedFiles)
    .where(and(eq(storedFiles.labId, opts.labId), eq(storedFiles.datasetId, opts.datasetId), eq(storedFiles.path, opts.path)));
  return row ?? null;
}

const TYPES: Record<string, string> = {
  dcm: "application/dicom",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  txt: "text/plain; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  gz: "application/gzip",
  zip: "application/zip",
};

export function contentTypeFor(p: string): string {
  return TYPES[/\.([a-z0-9]+)$/i.exec(p)?.[1]?.toLowerCase() ?? ""] ?? "application/octet-stream";
}
