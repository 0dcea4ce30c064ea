import "server-only";
import { Param, sql } from "drizzle-orm";
import { getDb } from "@/lib/db/client";

/** Size and SHA-256 of those of `paths` the lab holds in storage, by path. */
export async function storedFilesByPath(opts: { labId: string; datasetId: string; paths: string[] }): Promise<Map<string, { size: number; sha256: string }>> {
  if (opts.paths.length === 0) return new Map();
  const r = await getDb().execute<{ path: string; size: string; sha256: string }>(sql`
    select path, size, sha256 from stored_files
    where lab_id = ${opts.labId} and dataset_id = ${opts.datasetId} and path = any(${new Param(opts.paths)}::text[])`);
  return new Map(r.rows.map((f) => [f.path, { size: Number(f.size), sha256: f.sha256 }]));
}
