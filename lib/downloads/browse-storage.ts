import "server-only";
import { sql } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { isSafeDatasetPath } from "./paths";

export type StorageEntry =
  | { kind: "folder"; name: string }
  | { kind: "file"; name: string; path: string; size: number; sha256: string; storedAt: Date };

export type StorageFolder = { dir: string; entries: StorageEntry[]; next: string | null };

export const STORAGE_PAGE_SIZE = 100;

/**
 * "" or a folder of the version as PhysioNet lays it out ("files/p10/"), or null when `dir` is not
 * one: the same rule as every other dataset path, so nothing here can name a storage key.
 */
export function normalizeFolder(dir: string | undefined): string | null {
  const d = (dir ?? "").trim().replace(/^\/+/, "");
  if (d === "") return "";
  const bare = d.replace(/\/+$/, "");
  return isSafeDatasetPath(bare) ? `${bare}/` : null;
}

/**
 * One page of a folder of this lab's verified copy of a dataset version (stored_files, the catalog
 * that alone decides what can be read): its sub-folders and files in byte order, after the cursor
 * `after` (an entry name, with a trailing "/" for a folder). MIMIC-CXR holds 377k files in 65k
 * subject folders, so the folder is never read whole: a recursive statement hops from one entry to
 * the next over the (lab, dataset, path COLLATE "C") index (migration 0030), skipping each
 * sub-folder's contents in one index probe, and stops after a page.
 */
export async function browseStorage(opts: { labId: string; datasetId: string; dir: string; after?: string | null; limit?: number }): Promise<StorageFolder> {
  const limit = opts.limit ?? STORAGE_PAGE_SIZE;
  const prefix = opts.dir;
  // The smallest path after the cursor: past a folder's whole contents, or just past a file.
  const after = opts.after ? (opts.after.endsWith("/") ? `${prefix}${opts.after.slice(0, -1)}0` : `${prefix}${opts.after}\u0001`) : prefix;
  // Every path under the prefix sorts below the prefix with its last byte raised ("files/" → "files0").
  const upper = prefix === "" ? null : `${prefix.slice(0, -1)}0`;
  const len = prefix.length;
  const rows = await getDb().execute<{ path: string; size: string; sha256: string; stored_at: Date | string; is_dir: boolean; name: string }>(sql`
    with recursive walk(path, size, sha256, stored_at, name, is_dir, n) as (
      (select f.path, f.size, f.sha256, f.stored_at,
              split_part(substr(f.path, ${len + 1}), '/', 1), strpos(substr(f.path, ${len + 1}), '/') > 0, 1
       from stored_files f
       where f.lab_id = ${opts.labId} and f.dataset_id = ${opts.datasetId}
         and (f.path collate "C") >= ${after} and (${upper}::text is null or (f.path collate "C") < ${upper})
       order by (f.path collate "C") limit 1)
      union all
      select nxt.path, nxt.size, nxt.sha256, nxt.stored_at,
             split_part(substr(nxt.path, ${len + 1}), '/', 1), strpos(substr(nxt.path, ${len + 1}), '/') > 0, w.n + 1
      from walk w
      cross join lateral (
        select f.path, f.size, f.sha256, f.stored_at from stored_files f
        where f.lab_id = ${opts.labId} and f.dataset_id = ${opts.datasetId}
          and (f.path collate "C") >= (case when w.is_dir then ${prefix} || w.name || '0' else w.path || chr(1) end)
          and (${upper}::text is null or (f.path collate "C") < ${upper})
        order by (f.path collate "C") limit 1) nxt
      where w.n <= ${limit}
    )
    select path, size, sha256, stored_at, name, is_dir from walk order by n`);
  const entries: StorageEntry[] = rows.rows
    .slice(0, limit)
    .map((r) => (r.is_dir ? { kind: "folder" as const, name: r.name } : { kind: "file" as const, name: r.name, path: r.path, size: Number(r.size), sha256: r.sha256, storedAt: new Date(r.stored_at) }));
  const last = entries.at(-1);
  const next = rows.rows.length > limit && last ? (last.kind === "folder" ? `${last.name}/` : last.name) : null;
  return { dir: prefix, entries, next };
}

/** How many verified files, and how many bytes, this lab holds under a folder (the whole version for ""). */
export async function storageTotals(opts: { labId: string; datasetId: string; dir: string }): Promise<{ files: number; bytes: number }> {
  const upper = opts.dir === "" ? null : `${opts.dir.slice(0, -1)}0`;
  const rows = await getDb().execute<{ files: string; bytes: string | null }>(sql`
    select count(*) as files, sum(size) as bytes from stored_files
    where lab_id = ${opts.labId} and dataset_id = ${opts.datasetId}
      and (path collate "C") >= ${opts.dir} and (${upper}::text is null or (path collate "C") < ${upper})`);
  return { files: Number(rows.rows[0]?.files ?? 0), bytes: Number(rows.rows[0]?.bytes ?? 0) };
}
