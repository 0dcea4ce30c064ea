import { auditApiRead, NO_STORE } from "@/lib/api/audit-read";
import { manifestCsvStream } from "@/lib/api/cohort-manifest";
import { recordAudit } from "@/lib/audit/record";
import { getDb } from "@/lib/db/client";
import { resolveCohortSources } from "@/lib/downloads/cohort-studies";
import { AppError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";
import { getCohort } from "@/lib/mimic/cohorts/cohorts";

// One row per image of the cohort's studies (path, size, sha256, labels, split), streamed: the
// whole dataset's 377k rows leave as PostgreSQL's COPY writes them, as fast as the client reads,
// never held in memory (decision 039).
export const GET = route<"dataset", undefined, { slug: string; version: string; id: string }>({ access: "dataset", tokens: true }, async ({ user, dataset, params, token, ip }) => {
  const cohort = await getCohort({ labId: user.labId, datasetId: dataset.id, cohortId: params.id });
  if (!cohort) throw new AppError("not_found", "No such cohort in this dataset");
  // The studies `labgate pull` fetches are the ones the explorer counts (paired sources, this caller's access).
  const sources = await resolveCohortSources(getDb(), { user, cohortId: cohort.id });
  if (!sources.ok) {
    await recordAudit(getDb(), { action: "api.cohort_manifest", outcome: "denied", labId: user.labId, actor: user, ip, target: { type: "dataset", id: sources.datasetId }, details: { dataset: sources.dataset, cohort: cohort.id, ...(token ? { tokenId: token.id } : {}) } });
    throw new AppError("forbidden", sources.message);
  }
  // Recorded before the first byte leaves: a manifest cut off half-way was still read.
  await auditApiRead({ action: "api.cohort_manifest", user, token, ip, target: { type: "cohort", id: cohort.id }, details: { dataset: `${dataset.slug}/${dataset.version}`, name: cohort.name, query: cohort.query, studies: cohort.studyCount } });
  return new Response(manifestCsvStream({ labId: user.labId, datasetId: dataset.id, filters: sources.filters, labelsDatasetId: sources.labelsDatasetId, reportDatasetId: sources.reportDatasetId }), {
    headers: { "content-type": "text/csv; charset=utf-8", "x-labgate-dua": `${dataset.duaName} ${dataset.duaVersion}; do not share outside credentialed users`, ...NO_STORE },
  });
});
