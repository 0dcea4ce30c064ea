import { NextResponse } from "next/server";
import type { z } from "zod";
import { auditApiRead, NO_STORE } from "@/lib/api/audit-read";
import { cohortJson } from "@/lib/api/cohort-json";
import type { cohortListSchema } from "@/lib/api/schemas";
import { route } from "@/lib/http/route";
import { listCohorts } from "@/lib/mimic/cohorts/cohorts";

export const GET = route({ access: "dataset", tokens: true }, async ({ user, dataset, token, ip }) => {
  const cohorts = await listCohorts({ labId: user.labId, datasetId: dataset.id });
  await auditApiRead({ action: "api.cohorts", user, token, ip, target: { type: "dataset", id: dataset.id }, details: { dataset: `${dataset.slug}/${dataset.version}`, cohorts: cohorts.length } });
  const body: z.infer<typeof cohortListSchema> = { cohorts: cohorts.map((c) => cohortJson(dataset, c)) };
  return NextResponse.json(body, { headers: NO_STORE });
});
