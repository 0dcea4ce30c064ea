import "server-only";
import type PgBoss from "pg-boss";
import { getEnv } from "@/lib/env";
import { jobSender } from "@/lib/jobs/job-runner";

export const DESTROY_QUEUE = "retention.destroy";
// A destruction of a full MIMIC-CXR copy (377,000 files) takes a while on object storage; a job
// that dies is retried and resumes from its stored file list.
export const DESTROY_QUEUE_OPTIONS: Omit<PgBoss.Queue, "name"> = { retryLimit: 10, retryDelay: 60, retryBackoff: true, expireInSeconds: 6 * 3600 };

let created = false;

export async function enqueueDestruction(destructionId: string): Promise<void> {
  const boss = await jobSender(getEnv().DATABASE_URL);
  if (!created) {
    await boss.createQueue(DESTROY_QUEUE, { name: DESTROY_QUEUE, ...DESTROY_QUEUE_OPTIONS });
    created = true;
  }
  // One message per destruction: a second send of the same key is ignored.
  await boss.send(DESTROY_QUEUE, { destructionId }, { singletonKey: destructionId });
}
