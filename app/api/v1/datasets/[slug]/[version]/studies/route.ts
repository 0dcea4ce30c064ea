import { NextResponse } from "next/server";
import type { z } from "zod";
import { auditApiRead, NO_STORE } from "@/lib/api/audit-read";
import type { studyPageSchema } from "@/lib/api/schemas";
import { AppError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";
import { listStudies } from "@/lib/mimic/browse/list-studies";
import { parseStudyFilters, studyFiltersToSearch } from "@/lib/mimic/browse/study-filters";

// The explorer's search with the explorer's own filter parser: a query that works in the browser's
// URL works here unchanged.
export const GET = route({ access: "dataset", tokens: true }, async ({ req, user, dataset, token, ip }) => {
  const parsed = parseStudyFilters(req.nextUrl.searchParams);
  if (!parsed.ok) throw new AppError("bad_request", parsed.errors.join("; "));
  const page = await listStudies({ datasetId: dataset.id, filters: parsed.filters });
  await auditApiRead({ action: "api.studies", user, token, ip, target: { type: "dataset", id: dataset.id }, details: { dataset: `${dataset.slug}/${dataset.version}`, query: studyFiltersToSearch(parsed.filters), studies: page.total } });
  const body: z.infer<typeof studyPageSchema> = {
    total: page.total,
    page: parsed.filters.page,
    pageSize: parsed.filters.pageSize,
    studies: page.rows.map((r) => ({ studyId: r.studyId, subjectId: r.subjectId, studyDate: r.studyDate, views: r.views, splits: r.splits, imageCount: r.imageCount, localImageCount: r.localImageCount, labels: r.labels })),
  };
  return NextResponse.json(body, { headers: NO_STORE });
});
