import "server-only";
import { and, eq, inArray, Param, sql } from "drizzle-orm";
import { downloadFiles, downloadJobs } from "@/db/schema";
import { now } from "@/lib/clock";
import type { Db } from "@/lib/db/client";

// The work list: lanes claim pending files with FOR UPDATE SKIP LOCKED, so any number of workers
// can share a job without two of them fetching the same file.

export type ClaimedFile = {
  path: string;
  sha256: string;
  attempts: number;
  checksumFailures: number;
  size: number | null;
  /** Claimed before (by any lane): staging may hold bytes of it from an earlier attempt. */
  touched: boolean;
};

export async function claimBatch(db: Db, opts: { jobId: string; lane: number; token: string; limit: number }): Promise<ClaimedFile[]> {
  // `lane` stays set after a file is released, as the mark that some lane has worked on it.
  const rows = await db.execute<{ path: string; sha256: string; attempts: number; checksum_failures: number; size: string | null; touched: boolean }>(sql`
    update download_files f set state = 'active', lane = ${opts.lane}, claim_token = ${opts.token}
    from (
      select path, lane is not null as touched from download_files
      where job_id = ${opts.jobId} and state = 'pending' and (retry_after is null or retry_after <= now())
      order by path limit ${opts.limit}
      for update skip locked
    ) picked
    where f.job_id = ${opts.jobId} and f.path = picked.path
    returning f.path, f.sha256, f.attempts, f.checksum_failures, f.size, picked.touched`);
  return rows.rows
    .map((r) => ({ path: r.path, sha256: r.sha256, attempts: r.attempts, checksumFailures: r.checksum_failures, size: r.size === null ? null : Number(r.size), touched: r.touched }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** Files a dead or stopped lane left active go back to pending; their partial bytes stay in staging. */
export async function releaseLanes(db: Db, opts: { jobId: string; lanes: number[] }): Promise<void> {
  if (opts.lanes.length === 0) return;
  await db
    .update(downloadFiles)
    .set({ state: "pending", claimToken: null })
    .where(and(eq(downloadFiles.jobId, opts.jobId), eq(downloadFiles.state, "active"), inArray(downloadFiles.lane, opts.lanes)));
}

export async function releaseFile(db: Db, opts: { jobId: string; path: string; token: string }): Promise<void> {
  await db
    .update(downloadFiles)
    .set({ state: "pending", claimToken: null })
    .where(and(eq(downloadFiles.jobId, opts.jobId), eq(downloadFiles.path, opts.path), eq(downloadFiles.claimToken, opts.token)));
}

/** A failed attempt: back to pending after a backoff, or failed for good once attempts run out. */
export async function recordAttemptFailure(
  db: Db,
  opts: { jobId: string; path: string; token: string; error: string; retryInMs: number | null; checksum: boolean },
): Promise<void> {
  const final = opts.retryInMs === null;
  await db.transaction(async (tx) => {
    const [row] = await tx
      .update(downloadFiles)
      .set({
        state: final ? "failed" : "pending",
        attempts: sql`${downloadFiles.attempts} + 1`,
        checksumFailures: opts.checksum ? sql`${downloadFiles.checksumFailures} + 1` : downloadFiles.checksumFailures,
        error: opts.error,
        claimToken: null,
        retryAfter: final ? null : sql`now() + ${opts.retryInMs} * interval '1 millisecond'`,
      })
      .where(and(eq(downloadFiles.jobId, opts.jobId), eq(downloadFiles.path, opts.path), eq(downloadFiles.claimToken, opts.token)))
      .returning({ path: downloadFiles.path });
    if (row && final) await tx.update(downloadJobs).set({ filesFailed: sql`${downloadJobs.filesFailed} + 1`, updatedAt: now() }).where(eq(downloadJobs.id, opts.jobId));
  });
}

export type VerifiedFile = { path: string; size: number; storageKey: string };

/**
 * After verified files were moved into lab storage: their rows, the job's counters and the storage
 * catalog change in one transaction, for a group of files at once (one commit instead of one per
 * small file). Rows this lane no longer holds (another worker took the lane over) change nothing;
 * the identical bytes it moved are harmless. Returns how many were recorded.
 */
export async function recordVerified(db: Db, opts: { jobId: string; labId: string; datasetId: string; token: string; files: VerifiedFile[] }): Promise<number> {
  if (opts.files.length === 0) return 0;
  const rows = await db.execute<{ n: string }>(sql`
    with done as (
      update download_files f
      set state = 'done', size = t.size, verified_at = now(), error = null, lane = null, claim_token = null, retry_after = null
      from unnest(${new Param(opts.files.map((f) => f.path))}::text[], ${new Param(opts.files.map((f) => f.size))}::bigint[], ${new Param(opts.files.map((f) => f.storageKey))}::text[]) as t(path, size, storage_key)
      where f.job_id = ${opts.jobId} and f.path = t.path and f.claim_token = ${opts.token}
      returning f.path, f.size, f.sha256, t.storage_key
    ),
    counted as (
      update download_jobs
      set files_done = files_done + (select count(*) from done), bytes_done = bytes_done + (select coalesce(sum(size), 0) from done), updated_at = now()
      where id = ${opts.jobId}
    ),
    catalogued as (
      insert into stored_files (lab_id, dataset_id, path, storage_key, size, sha256, job_id, stored_at)
      select ${opts.labId}, ${opts.datasetId}, path, storage_key, size, sha256, ${opts.jobId}, now() from done
      on conflict (lab_id, dataset_id, path) do update
      set storage_key = excluded.storage_key, size = excluded.size, sha256 = excluded.sha256, job_id = excluded.job_id, stored_at = excluded.stored_at
    )
    select count(*) as n from done`);
  return Number(rows.rows[0]?.n ?? 0);
}

/** Milliseconds until the earliest pending file may be retried; 0 if one is due now; null if none is pending. */
export async function nextRetryDelay(db: Db, jobId: string): Promise<number | null> {
  const rows = await db.execute<{ wait_ms: string | null; n: string }>(sql`
    select extract(epoch from min(coalesce(retry_after, now())) - now()) * 1000 as wait_ms, count(*) as n
    from download_files where job_id = ${jobId} and state = 'pending'`);
  const r = rows.rows[0];
  if (!r || Number(r.n) === 0 || r.wait_ms === null) return null;
  return Math.max(0, Math.ceil(Number(r.wait_ms)));
}
