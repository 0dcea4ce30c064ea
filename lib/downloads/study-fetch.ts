import "server-only";
import { and, eq, inArray } from "drizzle-orm";
import { physionetAccounts, storedFiles } from "@/db/schema";
import { getDb } from "@/lib/db/client";
import { hasSavedCredentials } from "./credentials/store";
import { isSafeDatasetPath } from "./paths";
import type { Selection } from "./selection";

export type StudyFetchOffer = {
  /** Image paths of the study that are in this lab's storage (verified downloads). */
  stored: string[];
  /** The job "fetch these images from PhysioNet" creates: exactly the study's images not held anywhere, by path. */
  selection: Extract<Selection, { mode: "paths" }> | null;
  physionetUsername: string | null;
  savedPassword: boolean;
};

/**
 * What a study page offers about its image files. An image is held when the import found it
 * (present_locally) or a download verified it into lab storage (stored_files); the rest can be
 * fetched from PhysioNet under the member's own PhysioNet account, by the regular download job
 * (createDownloadJob: the access rule, the password sealed, the member reviews count and estimate
 * before it starts). Listing the files by path, not the study folder, keeps the job to exactly
 * those images.
 */
export async function studyFetchOffer(opts: { userId: string; labId: string; datasetId: string; images: { path: string; presentLocally: boolean }[] }): Promise<StudyFetchOffer> {
  const db = getDb();
  const paths = opts.images.map((i) => i.path).filter(isSafeDatasetPath);
  const [stored, [account], saved] = await Promise.all([
    paths.length === 0
      ? Promise.resolve([])
      : db.select({ path: storedFiles.path }).from(storedFiles).where(and(eq(storedFiles.labId, opts.labId), eq(storedFiles.datasetId, opts.datasetId), inArray(storedFiles.path, paths))),
    db.select({ username: physionetAccounts.username }).from(physionetAccounts).where(eq(physionetAccounts.userId, opts.userId)),
    hasSavedCredentials(db, opts.userId),
  ]);
  const storedSet = new Set(stored.map((s) => s.path));
  const missing = [...new Set(opts.images.filter((i) => !i.presentLocally && !storedSet.has(i.path) && isSafeDatasetPath(i.path)).map((i) => i.path))].sort();
  return {
    stored: [...storedSet].sort(),
    selection: missing.length > 0 ? { mode: "paths", paths: missing } : null,
    physionetUsername: account?.username ?? null,
    savedPassword: saved.saved,
  };
}
