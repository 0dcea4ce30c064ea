import "server-only";
import { sql } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { LABELS, type Label } from "../import/file-specs";
import { splitReportSections, type ReportSection } from "../report-sections";
import { labelStateOf, type LabelState } from "../tokens";

export type StudyImage = {
  dicomId: string;
  path: string;
  viewPosition: string | null;
  rows: number | null;
  columns: number | null;
  studyTime: string | null;
  procedure: string | null;
  viewCode: string | null;
  orientation: string | null;
  split: string | null;
  presentLocally: boolean;
};

export type StudyDetail = {
  studyId: number;
  subjectId: number;
  studyDate: string | null;
  studyTime: string | null;
  reportPath: string | null;
  report: ReportSection[] | null;
  labels: { chexpert: Record<Label, LabelState> | null; negbio: Record<Label, LabelState> | null; test: Record<Label, LabelState> | null };
  images: StudyImage[];
};

const byLabel = (v: (number | null)[] | null) => (v ? (Object.fromEntries(LABELS.map((l, i) => [l, labelStateOf(v[i])])) as Record<Label, LabelState>) : null);

/** One study of a dataset the caller has already been authorized for; null when it does not exist. */
export async function getStudy(opts: { datasetId: string; studyId: number }): Promise<StudyDetail | null> {
  const db = getDb();
  const [study, images] = await Promise.all([
    db.execute<{ study_id: number; subject_id: number; study_date: string | null; study_time: string | null; report_path: string | null; report: string | null; chexpert: (number | null)[] | null; negbio: (number | null)[] | null; test_labels: (number | null)[] | null }>(sql`
      select study_id, subject_id, to_char(study_date, 'YYYY-MM-DD') as study_date, study_time::text as study_time, report_path, report, chexpert, negbio, test_labels
      from mimic_study where dataset_id = ${opts.datasetId} and study_id = ${opts.studyId}`),
    db.execute<{ dicom_id: string; path: string; view_position: string | null; rows: number | null; columns: number | null; study_time: string | null; procedure: string | null; view_code: string | null; orientation: string | null; split: string | null; present_locally: boolean }>(sql`
      select dicom_id, path, view_position, rows, columns, study_time::text as study_time, procedure, view_code, orientation, split, present_locally
      from mimic_image where dataset_id = ${opts.datasetId} and study_id = ${opts.studyId} order by study_time nulls last, dicom_id`),
  ]);
  const s = study.rows[0];
  if (!s) return null;
  return {
    studyId: Number(s.study_id),
    subjectId: Number(s.subject_id),
    studyDate: s.study_date,
    studyTime: s.study_time,
    reportPath: s.report_path,
    report: s.report === null ? null : splitReportSections(s.report),
    labels: { chexpert: byLabel(s.chexpert), negbio: byLabel(s.negbio), test: byLabel(s.test_labels) },
    images: images.rows.map((r) => ({
      dicomId: r.dicom_id,
      path: r.path,
      viewPosition: r.view_position,
      rows: r.rows === null ? null : Number(r.rows),
      columns: r.columns === null ? null : Number(r.columns),
      studyTime: r.study_time,
      procedure: r.procedure,
      viewCode: r.view_code,
      orientation: r.orientation,
      split: r.split,
      presentLocally: r.present_locally,
    })),
  };
}
