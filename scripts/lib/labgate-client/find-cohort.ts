import { datasetPath, type ApiClient } from "./api-client";

type Dataset = { slug: string; version: string; title: string };
type Cohort = { id: string; name: string; studyCount: number; manifest: string };
export type FoundCohort = { dataset: Dataset; cohort: Cohort };

/**
 * The cohort named on the command line, by id or by exact name, in the dataset versions the token
 * may read (`--dataset slug/version` narrows the search). Two cohorts of one name must be told apart.
 */
export async function findCohort(api: ApiClient, opts: { cohort: string; dataset: string | null }): Promise<FoundCohort> {
  const { datasets } = await api.getJson<{ datasets: Dataset[] }>("/api/v1/datasets");
  const candidates = opts.dataset ? datasets.filter((d) => `${d.slug}/${d.version}` === opts.dataset) : datasets;
  if (opts.dataset && candidates.length === 0) throw new Error(`You cannot read ${opts.dataset} with this token (readable: ${datasets.map((d) => `${d.slug}/${d.version}`).join(", ") || "none"})`);
  const found: FoundCohort[] = [];
  for (const dataset of candidates) {
    const { cohorts } = await api.getJson<{ cohorts: Cohort[] }>(`${datasetPath(dataset)}/cohorts`);
    for (const cohort of cohorts) if (cohort.id === opts.cohort || cohort.name === opts.cohort) found.push({ dataset, cohort });
  }
  if (found.length === 0) throw new Error(`No cohort "${opts.cohort}" in ${candidates.map((d) => `${d.slug}/${d.version}`).join(", ") || "any dataset this token may read"}`);
  if (found.length > 1) throw new Error(`"${opts.cohort}" names ${found.length} cohorts; give its id instead: ${found.map((f) => `${f.cohort.id} (${f.dataset.slug}/${f.dataset.version})`).join(", ")}`);
  return found[0]!;
}
