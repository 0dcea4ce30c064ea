import "server-only";
import { and, eq } from "drizzle-orm";
import { mimicCohorts } from "@/db/schema";
import type { DbOrTx } from "@/lib/db/client";
import { iterateStudies } from "@/lib/mimic/browse/iterate-studies";
import { cohortFilters } from "@/lib/mimic/cohorts/cohorts";

export type CohortRef = { id: string; name: string; datasetId: string };

/** A saved cohort of the lab (of any of its datasets: a JPG cohort can pick DICOMs of the same studies). */
export async function findLabCohort(db: DbOrTx, opts: { labId: string; cohortId: string }): Promise<CohortRef | null> {
  const [row] = await db
    .select({ id: mimicCohorts.id, name: mimicCohorts.name, datasetId: mimicCohorts.datasetId })
    .from(mimicCohorts)
    .where(and(eq(mimicCohorts.id, opts.cohortId), eq(mimicCohorts.labId, opts.labId)));
  return row ?? null;
}

/** The cohort's study ids, by its saved filter over the imported data (streamed in keyset batches). */
export async function cohortStudyIds(db: DbOrTx, opts: { labId: string; cohortId: string }): Promise<Set<number>> {
  const [row] = await db
    .select({ datasetId: mimicCohorts.datasetId, query: mimicCohorts.query })
    .from(mimicCohorts)
    .where(and(eq(mimicCohorts.id, opts.cohortId), eq(mimicCohorts.labId, opts.labId)));
  if (!row) throw new Error("The saved cohort no longer exists.");
  const ids = new Set<number>();
  for await (const study of iterateStudies({ datasetId: row.datasetId, filters: cohortFilters(row.query) })) ids.add(study.studyId);
  return ids;
}
