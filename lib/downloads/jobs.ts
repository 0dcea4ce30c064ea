import "server-only";
import { z } from "zod";
import { defineJob, type JobDefinition } from "@/lib/jobs/job-runner";
import { driveDownloadJob, type DriveOptions } from "./drive";
import { PREPARE_LANE, openLockClient } from "./locks";
import { prepareDownloadJob } from "./prepare";
import { DRIVE_QUEUE, enqueueDrive, LANES_PER_SHARE, PREPARE_QUEUE, QUEUE_OPTIONS, SLICE_MS, SWEEP_QUEUE } from "./queue";
import { sourceFromEnv, type PhysionetSource } from "./source";
import { resumeOrphanedDownloads } from "./sweep";

const jobData = z.object({ jobId: z.uuid() });

/**
 * The downloads' pg-boss jobs, for lib/jobs/registry.ts. pg-boss 10 runs one message at a time per
 * work() registration, so the drive definition is listed `drivePollers` times: one worker process
 * then drives up to that many lane-pairs at once (one job of concurrency 4 takes two).
 */
export function createDownloadJobs(
  opts: { source?: () => Promise<PhysionetSource>; drivePollers?: number; drive?: Pick<DriveOptions, "sliceMs" | "retryBaseMs" | "waitRetrySeconds"> } = {},
): JobDefinition[] {
  const source = opts.source ?? sourceFromEnv;
  const prepare = defineJob<object>({
    name: PREPARE_QUEUE,
    queue: QUEUE_OPTIONS[PREPARE_QUEUE],
    handle: async (data) => {
      const { jobId } = jobData.parse(data);
      // One preparer per job, even if the message was sent twice.
      const locks = await openLockClient();
      try {
        if (!(await locks.tryLock(jobId, PREPARE_LANE))) return;
        await prepareDownloadJob({ jobId, source: await source() });
      } finally {
        await locks.close();
      }
    },
  });
  const drive = defineJob<object>({
    name: DRIVE_QUEUE,
    queue: QUEUE_OPTIONS[DRIVE_QUEUE],
    handle: async (data) => {
      const { jobId } = jobData.parse(data);
      const result = await driveDownloadJob({ jobId, source: await source(), maxLanes: LANES_PER_SHARE, sliceMs: SLICE_MS, ...opts.drive });
      // The next slice is a new message at the back of the queue: jobs take turns on a busy worker.
      if (result.outcome === "continue") await enqueueDrive(jobId, { shares: 1, startAfter: result.notBefore });
      return { outcome: result.outcome };
    },
  });
  const sweep = defineJob<object>({
    name: SWEEP_QUEUE,
    cron: "* * * * *",
    queue: QUEUE_OPTIONS[SWEEP_QUEUE],
    handle: () => resumeOrphanedDownloads(),
  });
  return [prepare, sweep, ...Array.from({ length: opts.drivePollers ?? 4 }, () => drive)];
}

export { resumeOrphanedDownloads };
