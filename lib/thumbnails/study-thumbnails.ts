import "server-only";
import { sql } from "drizzle-orm";
import { getDb } from "@/lib/db/client";

/**
 * The image each study's grid tile shows: a frontal view in lab storage (PA, then AP), else any
 * image in lab storage. Studies with none are absent from the map. For a dataset the caller has
 * already been authorized for (requireDatasetAccess).
 */
export async function listStudyThumbnails(opts: { datasetId: string; studyIds: number[] }): Promise<Map<number, string>> {
  if (opts.studyIds.length === 0) return new Map();
  const rows = await getDb().execute<{ study_id: number; dicom_id: string }>(sql`
    select distinct on (study_id) study_id, dicom_id from mimic_image
    where dataset_id = ${opts.datasetId} and study_id = any(${`{${opts.studyIds.map((n) => Math.trunc(n)).join(",")}}`}::int[]) and present_locally
    order by study_id, case view_position when 'PA' then 0 when 'AP' then 1 else 2 end, study_time nulls last, dicom_id`);
  return new Map(rows.rows.map((r) => [Number(r.study_id), r.dicom_id]));
}
