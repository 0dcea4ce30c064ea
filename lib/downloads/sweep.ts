import "server-only";
import { inArray, sql } from "drizzle-orm";
import { downloadJobs } from "@/db/schema";
import { getDb } from "@/lib/db/client";
import { freeLanes, PREPARE_LANE } from "./locks";
import { DRIVE_QUEUE, enqueueDrive, enqueuePrepare, LANES_PER_SHARE, PREPARE_QUEUE } from "./queue";

/**
 * Picks up work nobody is doing: running jobs with free lanes and no queued drive message (their
 * worker died, or its message expired), and jobs still preparing with nobody on them. Runs every
 * minute on the worker's schedule and once when a worker starts, so a restarted worker resumes at once.
 */
export async function resumeOrphanedDownloads(): Promise<{ drive: number; prepare: number }> {
  const db = getDb();
  const jobs = await db
    .select({ id: downloadJobs.id, state: downloadJobs.state, concurrency: downloadJobs.concurrency })
    .from(downloadJobs)
    .where(inArray(downloadJobs.state, ["running", "preparing"]));
  let drive = 0;
  let prepare = 0;
  for (const job of jobs) {
    const queue = job.state === "running" ? DRIVE_QUEUE : PREPARE_QUEUE;
    if (await hasQueuedMessage(queue, job.id)) continue;
    if (job.state === "preparing") {
      if ((await freeLanes(job.id, [PREPARE_LANE])).length === 0) continue;
      await enqueuePrepare(job.id);
      prepare++;
      continue;
    }
    const free = await freeLanes(job.id, Array.from({ length: job.concurrency }, (_, i) => i));
    const shares = Math.ceil(free.length / LANES_PER_SHARE);
    if (shares === 0) continue;
    await enqueueDrive(job.id, { shares });
    drive += shares;
  }
  return { drive, prepare };
}

async function hasQueuedMessage(queue: string, jobId: string): Promise<boolean> {
  try {
    const r = await getDb().execute<{ n: string }>(sql`
      select count(*) as n from pgboss.job where name = ${queue} and state in ('created', 'retry') and data->>'jobId' = ${jobId}`);
    return Number(r.rows[0]?.n ?? 0) > 0;
  } catch {
    // pg-boss has not created its schema yet: nothing is queued.
    return false;
  }
}
