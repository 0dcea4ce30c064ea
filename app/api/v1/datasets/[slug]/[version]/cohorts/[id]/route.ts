import { NextResponse } from "next/server";
import { auditApiRead, NO_STORE } from "@/lib/api/audit-read";
import { cohortJson } from "@/lib/api/cohort-json";
import { AppError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";
import { getCohort } from "@/lib/mimic/cohorts/cohorts";

export const GET = route<"dataset", undefined, { slug: string; version: string; id: string }>({ access: "dataset", tokens: true }, async ({ user, dataset, params, token, ip }) => {
  const cohort = await getCohort({ labId: user.labId, datasetId: dataset.id, cohortId: params.id });
  if (!cohort) throw new AppError("not_found", "No such cohort in this dataset");
  await auditApiRead({ action: "api.cohort", user, token, ip, target: { type: "cohort", id: cohort.id }, details: { dataset: `${dataset.slug}/${dataset.version}`, name: cohort.name } });
  return NextResponse.json(cohortJson(dataset, cohort), { headers: NO_STORE });
});
