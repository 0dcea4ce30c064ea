import type { z } from "zod";
import type { DatasetRef } from "@/lib/datasets/find-dataset";
import type { Cohort } from "@/lib/mimic/cohorts/cohorts";
import { describeSplit } from "@/lib/mimic/cohorts/split-spec";
import type { cohortSchema } from "./schemas";

export function cohortJson(dataset: DatasetRef, c: Cohort): z.infer<typeof cohortSchema> {
  return {
    id: c.id,
    name: c.name,
    query: c.query,
    studyCount: c.studyCount,
    createdAt: c.createdAt.toISOString(),
    createdBy: c.createdByName,
    manifest: `/api/v1/datasets/${dataset.slug}/${dataset.version}/cohorts/${c.id}/manifest`,
    split: c.split,
    splitDescription: describeSplit(c.split),
  };
}
