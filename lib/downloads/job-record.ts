import "server-only";
import { eq } from "drizzle-orm";
import { datasets, downloadJobs } from "@/db/schema";
import type { DbOrTx } from "@/lib/db/client";
import { selectionSchema, type Selection } from "./selection";

export type JobState = (typeof downloadJobs.state.enumValues)[number];
export const FINAL_STATES: readonly JobState[] = ["completed", "incomplete", "failed", "cancelled", "stopped"];
export const isFinal = (state: JobState) => FINAL_STATES.includes(state);

export type WorkJob = {
  id: string;
  labId: string;
  userId: string;
  datasetId: string;
  slug: string;
  version: string;
  title: string;
  state: JobState;
  concurrency: number;
  source: "physionet" | "mirror";
  cloudIdentityId: string | null;
  selection: Selection;
  filesTotal: number;
  bytesEstimate: number;
  bytesDone: number;
};

/** What a worker needs to know about a job (and its dataset version). */
export async function loadWorkJob(db: DbOrTx, jobId: string): Promise<WorkJob | null> {
  const [row] = await db
    .select({
      id: downloadJobs.id,
      labId: downloadJobs.labId,
      userId: downloadJobs.userId,
      datasetId: downloadJobs.datasetId,
      slug: datasets.slug,
      version: datasets.version,
      title: datasets.title,
      state: downloadJobs.state,
      concurrency: downloadJobs.concurrency,
      source: downloadJobs.source,
      cloudIdentityId: downloadJobs.cloudIdentityId,
      selection: downloadJobs.selection,
      filesTotal: downloadJobs.filesTotal,
      bytesEstimate: downloadJobs.bytesEstimate,
      bytesDone: downloadJobs.bytesDone,
    })
    .from(downloadJobs)
    .innerJoin(datasets, eq(datasets.id, downloadJobs.datasetId))
    .where(eq(downloadJobs.id, jobId));
  if (!row) return null;
  return { ...row, selection: selectionSchema.parse(row.selection) };
}
