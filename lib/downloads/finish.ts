import "server-only";
import { and, eq, inArray, sql } from "drizzle-orm";
import { downloadFiles, downloadJobs, downloadLanes } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { now } from "@/lib/clock";
import type { DbOrTx } from "@/lib/db/client";
import { releaseCredentials } from "./credentials/store";
import { releaseMirrorKeys } from "./mirror/identities";
import type { JobState } from "./job-record";
import { removeJobStaging, stagingRoot } from "./staging";

// How jobs end. Verified files are never touched: they are already in lab storage and its catalog.

type Actor = { id: string; email: string } | null;

/** Ends the job as completed (or incomplete) once no file is pending or in transfer. Idempotent: one caller wins. */
export async function finishJobIfDone(db: DbOrTx, jobId: string): Promise<JobState | null> {
  const [left] = await db.execute<{ open: string; failed: string }>(sql`
    select count(*) filter (where state in ('pending', 'active')) as open, count(*) filter (where state = 'failed') as failed
    from download_files where job_id = ${jobId}`).then((r) => r.rows);
  if (!left || Number(left.open) > 0) return null;
  const failed = Number(left.failed);
  const state: JobState = failed > 0 ? "incomplete" : "completed";
  const at = now();
  const ended = await db.transaction(async (tx) => {
    const [row] = await tx
      .update(downloadJobs)
      .set({
        state,
        filesFailed: failed,
        finishedAt: at,
        updatedAt: at,
        error: failed > 0 ? `${failed.toLocaleString("en-US")} ${failed === 1 ? "file" : "files"} could not be downloaded and verified; see the list below. Everything else is verified in lab storage.` : null,
      })
      .where(and(eq(downloadJobs.id, jobId), eq(downloadJobs.state, "running")))
      .returning({ labId: downloadJobs.labId, userId: downloadJobs.userId, filesDone: downloadJobs.filesDone, bytesDone: downloadJobs.bytesDone });
    if (!row) return null;
    await recordAudit(tx, {
      action: "download.finish",
      outcome: failed > 0 ? "failed" : "ok",
      labId: row.labId,
      actorEmail: "labgate worker",
      target: { type: "download_job", id: jobId },
      details: { state, filesDone: row.filesDone, filesFailed: failed, bytesDone: row.bytesDone, owner: row.userId },
    });
    return row;
  });
  if (!ended) return null;
  await afterEnd(db, { jobId, userId: ended.userId, dropStaging: true });
  return state;
}

/**
 * Ends a job for a job-level reason (wrong password, PhysioNet refusal, storage full or quota,
 * access ended, cancelled). Files in transfer go back to pending, so a resume continues them.
 */
export async function endJob(
  db: DbOrTx,
  opts: { jobId: string; state: Extract<JobState, "failed" | "stopped" | "cancelled">; message: string | null; actor?: Actor; from?: readonly JobState[]; ip?: string | null },
): Promise<boolean> {
  const from = opts.from ?? (["preparing", "ready", "running", "paused"] as const);
  const at = now();
  const ended = await db.transaction(async (tx) => {
    const [row] = await tx
      .update(downloadJobs)
      .set({ state: opts.state, error: opts.message, finishedAt: at, updatedAt: at })
      .where(and(eq(downloadJobs.id, opts.jobId), inArray(downloadJobs.state, [...from])))
      .returning({ labId: downloadJobs.labId, userId: downloadJobs.userId });
    if (!row) return null;
    await tx.update(downloadFiles).set({ state: "pending", claimToken: null }).where(and(eq(downloadFiles.jobId, opts.jobId), eq(downloadFiles.state, "active")));
    await recordAudit(tx, {
      action: opts.state === "cancelled" ? "download.cancel" : "download.stop",
      outcome: opts.state === "cancelled" ? "ok" : "failed",
      labId: row.labId,
      actor: opts.actor ?? null,
      actorEmail: opts.actor ? undefined : "labgate worker",
      ip: opts.ip ?? null,
      target: { type: "download_job", id: opts.jobId },
      details: { state: opts.state, reason: opts.message, owner: row.userId },
    });
    return row;
  });
  if (!ended) return false;
  // Partial files are kept for a resume, except when the member cancelled.
  await afterEnd(db, { jobId: opts.jobId, userId: ended.userId, dropStaging: opts.state === "cancelled" });
  return true;
}

async function afterEnd(db: DbOrTx, opts: { jobId: string; userId: string; dropStaging: boolean }): Promise<void> {
  await db.delete(downloadLanes).where(eq(downloadLanes.jobId, opts.jobId));
  await releaseCredentials(db, opts.userId);
  await releaseMirrorKeys(db, opts.userId);
  if (opts.dropStaging) await removeJobStaging(stagingRoot(), opts.jobId);
}
