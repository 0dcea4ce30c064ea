import "server-only";
import { hasDatasetAccess } from "@/lib/datasets/dataset-access";
import type { Db } from "@/lib/db/client";
import type { FileStorage } from "@/lib/storage/file-storage";
import type { WorkJob } from "./job-record";
import { formatBytes, labQuota, labUsedBytes, storageFreeBytes } from "./usage";

// Asked before every batch: may this job go on? The owner's access is decided by the one access
// rule on every ask, so a revocation, suspension or expiry stops their jobs at the next batch.

export type GateProblem = { state: "stopped" | "failed"; message: string };

// Never fill the disk to the last byte: the database, logs and other users need some of it too.
export const DISK_RESERVE_BYTES = 64 * 1024 * 1024;

export async function checkGate(
  db: Db,
  opts: { job: WorkJob; storage: FileStorage; stagingDir: string; nextBatchBytes: number },
): Promise<GateProblem | null> {
  const { job } = opts;
  if (!(await hasDatasetAccess({ userId: job.userId, labId: job.labId, datasetId: job.datasetId }))) {
    return { state: "stopped", message: `Your access to ${job.title} ${job.version} ended, so this download stopped. Files already verified stay in lab storage.` };
  }
  const quota = await labQuota(db, job.labId);
  if (quota !== null) {
    const used = await labUsedBytes(db, job.labId);
    if (used + opts.nextBatchBytes > quota) {
      return {
        state: "failed",
        message: `The lab's storage quota of ${formatBytes(quota)} is reached (${formatBytes(used)} in use; the next files need about ${formatBytes(opts.nextBatchBytes)}). A steward can raise the quota; then resume. Verified files are kept.`,
      };
    }
  }
  const free = await storageFreeBytes(opts.storage, opts.stagingDir);
  if (free !== null && free < opts.nextBatchBytes + DISK_RESERVE_BYTES) {
    return {
      state: "failed",
      message: `Lab storage is full: ${formatBytes(free)} left, the next files need about ${formatBytes(opts.nextBatchBytes)}. Free some space, then resume. Verified files are kept.`,
    };
  }
  return null;
}
