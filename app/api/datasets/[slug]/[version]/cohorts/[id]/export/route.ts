import { recordAudit } from "@/lib/audit/record";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";
import { cohortFilters, getCohort } from "@/lib/mimic/cohorts/cohorts";
import { cohortCsvHeader, cohortCsvStream } from "@/lib/mimic/cohorts/export-csv";
import { now } from "@/lib/clock";
import { resolveJoinedSources } from "@/lib/mimic/pairing/joined-sources";

export const GET = route<"dataset", undefined, { slug: string; version: string; id: string }>({ access: "dataset" }, async ({ user, dataset, params }) => {
  const cohort = await getCohort({ labId: user.labId, datasetId: dataset.id, cohortId: params.id });
  if (!cohort) throw new AppError("not_found", "No such cohort in this dataset");
  const at = now();
  // Recorded before the first byte leaves: an export that is cut off half-way still happened.
  await recordAudit(getDb(), {
    action: "cohort.export",
    labId: user.labId,
    actor: user,
    target: { type: "cohort", id: cohort.id },
    details: { dataset: `${dataset.slug}/${dataset.version}`, name: cohort.name, query: cohort.query, studies: cohort.studyCount },
  });
  const header = cohortCsvHeader({ dataset, cohortName: cohort.name, query: cohort.query, exportedBy: user.email, exportedAt: at });
  const file = `${dataset.slug}-${dataset.version}-${cohort.name.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 60)}.csv`;
  // The partner version's labels only if the member holds its access at this request.
  const sources = await resolveJoinedSources({ user, dataset });
  return new Response(cohortCsvStream({ dataset, filters: cohortFilters(cohort.query), header, labelsDatasetId: sources.labelsDatasetId, reportDatasetId: sources.reportDatasetId }), {
    headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${file}"`, "cache-control": "no-store, private" },
  });
});
