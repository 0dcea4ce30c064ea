import "server-only";
import { safeCsvCommentLine, safeCsvResponseBody } from "@/lib/csv/safe-csv";
import type { DatasetRef } from "@/lib/datasets/find-dataset";
import { iterateStudies } from "../browse/iterate-studies";
import type { StudyFilters } from "../browse/study-filters";
import { CITATION, LABELS } from "../import/file-specs";

// Labels are written back in the source files' own encoding so the CSV drops into the same code
// researchers already use on chexpert.csv / negbio.csv.
const labelText = (v: number | null | undefined) => (v === null || v === undefined ? "" : v.toFixed(1));

export function cohortCsvHeader(opts: { dataset: DatasetRef; cohortName: string; query: string; exportedBy: string; exportedAt: Date }): string {
  return [
    `# ${opts.dataset.title} ${opts.dataset.version} (${opts.dataset.slug}) — cohort "${opts.cohortName}"`,
    `# filter: ${opts.query || "(all studies)"}`,
    `# exported by ${opts.exportedBy} on ${opts.exportedAt.toISOString()} under the ${opts.dataset.duaName} ${opts.dataset.duaVersion}; do not share outside credentialed users`,
    `# cite: ${CITATION}`,
  ]
    .map((line) => `${safeCsvCommentLine(line)}\n`)
    .join("");
}

/**
 * The cohort's ids and every label source as a CSV stream, one row per study, in study_id order:
 * CheXpert, NegBio, and the radiologists' labels (empty outside the 2.1.0 test set).
 */
export function cohortCsvStream(opts: { dataset: DatasetRef; filters: StudyFilters; header: string; labelsDatasetId?: string; reportDatasetId?: string }): ReadableStream {
  const columns = ["subject_id", "study_id", "study_date", "split", "view_positions", ...LABELS.map((l) => `chexpert_${l}`), ...LABELS.map((l) => `negbio_${l}`), ...LABELS.map((l) => `radiologist_${l}`)];
  async function* rows() {
    for await (const s of iterateStudies({ datasetId: opts.labelsDatasetId ?? opts.dataset.id, filters: opts.filters, reportDatasetId: opts.reportDatasetId })) {
      yield [
        s.subjectId, s.studyId, s.studyDate ?? "", s.splits.join(";"), s.views.join(";"),
        ...LABELS.map((_, i) => labelText(s.chexpert?.[i])), ...LABELS.map((_, i) => labelText(s.negbio?.[i])), ...LABELS.map((_, i) => labelText(s.radiologist?.[i])),
      ];
    }
  }
  return safeCsvResponseBody({ columns, rows: rows(), preamble: opts.header, what: "cohort export" });
}
