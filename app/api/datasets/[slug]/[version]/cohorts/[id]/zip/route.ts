import { recordAudit } from "@/lib/audit/record";
import { now } from "@/lib/clock";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";
import { cohortFilters, getCohort } from "@/lib/mimic/cohorts/cohorts";
import { assertSplitReadable, cohortZipStream, exportSources } from "@/lib/mimic/cohorts/export-zip";
import { resolveJoinedSources } from "@/lib/mimic/pairing/joined-sources";

// The cohort a paper cites (decision 034): cohort.csv (one row per image, paths, every label source,
// the cohort's split), README.txt, CITATION.cff and filters.json, streamed as one zip.
export const GET = route<"dataset", undefined, { slug: string; version: string; id: string }>({ access: "dataset" }, async ({ user, dataset, params, ip }) => {
  const cohort = await getCohort({ labId: user.labId, datasetId: dataset.id, cohortId: params.id });
  if (!cohort) throw new AppError("not_found", "No such cohort in this dataset");
  // The partner version's parts only if the member holds its access at this request.
  const sources = exportSources(dataset, await resolveJoinedSources({ user, dataset }));
  const details = { dataset: `${dataset.slug}/${dataset.version}`, format: "zip", name: cohort.name, query: cohort.query, split: cohort.split, versions: sources.versions, studies: cohort.studyCount };
  try {
    assertSplitReadable(cohort.split, sources);
  } catch (e) {
    await recordAudit(getDb(), { action: "cohort.export", outcome: "denied", labId: user.labId, actor: user, ip, target: { type: "cohort", id: cohort.id }, details });
    throw e;
  }
  const at = now();
  // Recorded before the first byte leaves: an export that is cut off half-way still happened.
  await recordAudit(getDb(), { action: "cohort.export", labId: user.labId, actor: user, ip, target: { type: "cohort", id: cohort.id }, details });
  const body = await cohortZipStream({
    meta: { dataset, cohortId: cohort.id, cohortName: cohort.name, query: cohort.query, spec: cohort.split, exportedBy: user.email, exportedAt: at },
    sources,
    filters: cohortFilters(cohort.query),
  });
  const file = `${dataset.slug}-${dataset.version}-${cohort.name.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 60)}.zip`;
  return new Response(body, {
    headers: { "content-type": "application/zip", "content-disposition": `attachment; filename="${file}"`, "cache-control": "no-store, private" },
  });
});
