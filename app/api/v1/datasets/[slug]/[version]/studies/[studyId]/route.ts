import { NextResponse } from "next/server";
import type { z } from "zod";
import { auditApiRead, NO_STORE } from "@/lib/api/audit-read";
import type { studyDetailSchema } from "@/lib/api/schemas";
import { storedFilesByPath } from "@/lib/api/study-files";
import { AppError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";
import { getStudy } from "@/lib/mimic/browse/get-study";

export const GET = route<"dataset", undefined, { slug: string; version: string; studyId: string }>({ access: "dataset", tokens: true }, async ({ user, dataset, params, token, ip }) => {
  if (!/^\d{1,9}$/.test(params.studyId)) throw new AppError("bad_request", "A study id is a number, e.g. 50414267");
  const study = await getStudy({ datasetId: dataset.id, studyId: Number(params.studyId) });
  if (!study) throw new AppError("not_found", "No such study in this dataset version");
  const stored = await storedFilesByPath({ labId: user.labId, datasetId: dataset.id, paths: study.images.map((i) => i.path) });
  await auditApiRead({ action: "api.study", user, token, ip, target: { type: "study", id: String(study.studyId) }, details: { dataset: `${dataset.slug}/${dataset.version}` } });
  const body: z.infer<typeof studyDetailSchema> = {
    studyId: study.studyId,
    subjectId: study.subjectId,
    studyDate: study.studyDate,
    labels: study.labels,
    report: { path: study.reportPath, sections: study.report },
    images: study.images.map((i) => {
      const f = stored.get(i.path);
      return { dicomId: i.dicomId, path: i.path, viewPosition: i.viewPosition, split: i.split, rows: i.rows, columns: i.columns, inStorage: !!f, size: f?.size ?? null, sha256: f?.sha256 ?? null };
    }),
  };
  return NextResponse.json(body, { headers: NO_STORE });
});
