import { route } from "@/lib/http/route";
import { saveCohort, saveCohortSchema } from "@/lib/mimic/cohorts/cohorts";
import { resolveJoinedSources } from "@/lib/mimic/pairing/joined-sources";

export const POST = route({ access: "dataset", body: saveCohortSchema }, async ({ user, dataset, body }) => {
  const sources = await resolveJoinedSources({ user, dataset });
  const cohort = await saveCohort({ user, datasetId: dataset.id, name: body.name, query: body.query, split: body.split, labelsDatasetId: sources.labelsDatasetId, reportDatasetId: sources.reportDatasetId });
  return { id: cohort.id, studyCount: cohort.studyCount };
});
