import { route } from "@/lib/http/route";
import { saveCohort, saveCohortSchema } from "@/lib/mimic/cohorts/cohorts";

export const POST = route({ access: "dataset", body: saveCohortSchema }, async ({ user, dataset, body }) => {
  const cohort = await saveCohort({ user, datasetId: dataset.id, name: body.name, query: body.query });
  return { id: cohort.id, studyCount: cohort.studyCount };
});
