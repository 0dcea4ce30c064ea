import { NextResponse } from "next/server";
import type { z } from "zod";
import { auditApiRead, NO_STORE } from "@/lib/api/audit-read";
import type { datasetListSchema } from "@/lib/api/schemas";
import { listLabDatasets } from "@/lib/datasets/find-dataset";
import { route } from "@/lib/http/route";

// The dataset versions the caller may read now, by the one access rule (listLabDatasets asks it),
// narrowed to the token's own versions when it is limited.
export const GET = route({ access: "member", tokens: true }, async ({ user, token, ip }) => {
  const all = await listLabDatasets({ labId: user.labId, userId: user.id });
  const readable = all.filter((d) => d.hasAccess && (!token || token.datasetIds.length === 0 || token.datasetIds.includes(d.id)));
  await auditApiRead({ action: "api.datasets", user, token, ip, details: { datasets: readable.map((d) => `${d.slug}/${d.version}`) } });
  const body: z.infer<typeof datasetListSchema> = {
    datasets: readable.map((d) => ({ slug: d.slug, version: d.version, title: d.title, dua: `${d.duaName} ${d.duaVersion}`.trim(), studies: d.studies, images: d.images })),
  };
  return NextResponse.json(body, { headers: NO_STORE });
});
