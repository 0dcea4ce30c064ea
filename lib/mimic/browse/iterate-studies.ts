import "server-only";
import { sql } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { listViewCodes } from "./list-studies";
import type { StudyFilters } from "./study-filters";
import { studyWhere } from "./study-where";

export type StudyExportRow = {
  subjectId: number;
  studyId: number;
  studyDate: string | null;
  views: string[];
  splits: string[];
  chexpert: (number | null)[] | null;
  negbio: (number | null)[] | null;
  radiologist: (number | null)[] | null;
};

/**
 * Every study matching the filters in study_id order, fetched in keyset batches so a cohort of all
 * 227,835 studies streams out without being held in memory or kept in an open transaction.
 */
export async function* iterateStudies(opts: { datasetId: string; filters: StudyFilters; batchSize?: number; reportDatasetId?: string }): AsyncGenerator<StudyExportRow> {
  const where = studyWhere({ datasetId: opts.datasetId, filters: opts.filters, viewCodes: await listViewCodes(), reportDatasetId: opts.reportDatasetId });
  const batch = opts.batchSize ?? 5000;
  let after = -1;
  for (;;) {
    const rows = await getDb().execute<{ subject_id: number; study_id: number; study_date: string | null; views: string[]; splits: string[]; chexpert: (number | null)[] | null; negbio: (number | null)[] | null; test_labels: (number | null)[] | null }>(sql`
      select d.subject_id, d.study_id, to_char(d.study_date, 'YYYY-MM-DD') as study_date, d.views, d.splits, d.chexpert, d.negbio, d.test_labels
      from mimic_study_facet s join mimic_study d on d.dataset_id = s.dataset_id and d.study_id = s.study_id
      where ${where} and s.study_id > ${after} order by s.study_id limit ${batch}`);
    for (const r of rows.rows) {
      yield { subjectId: Number(r.subject_id), studyId: Number(r.study_id), studyDate: r.study_date, views: r.views, splits: r.splits, chexpert: r.chexpert, negbio: r.negbio, radiologist: r.test_labels };
    }
    if (rows.rows.length < batch) return;
    after = Number(rows.rows[rows.rows.length - 1]!.study_id);
  }
}
