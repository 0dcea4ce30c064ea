import { CSV_FILES, IMAGE_FILENAMES, REPORTS_ZIP, type CsvFileSpec, type FileKind, type Project } from "@/lib/mimic/import/file-specs";
import type { SynthStudy } from "./cohort";
import { patientFolder } from "./ids";

/**
 * Which files a project/version ships and how each CSV row is written. The file names and headers
 * come from the importer's own list (file-specs.ts), so generator and importer cannot drift apart.
 */
export const SYNTH_VERSIONS = ["2.0.0", "2.1.0"] as const;
export type SynthVersion = (typeof SYNTH_VERSIONS)[number];

export type VersionPlan = { csv: CsvFileSpec[]; reportsZip: boolean; imageFilenames: boolean };

export function planVersionFiles(project: Project, version: SynthVersion): VersionPlan {
  return {
    csv: CSV_FILES.filter((f) => f.project === project && (f.since === "2.0.0" || version === "2.1.0")),
    reportsZip: project === "mimic-cxr",
    // PhysioNet added IMAGE_FILENAMES to MIMIC-CXR-JPG with 2.1.0 (for partial downloads).
    imageFilenames: project === "mimic-cxr-jpg" && version === "2.1.0",
  };
}

export const imagePath = (s: SynthStudy, dicomId: string, ext: "dcm" | "jpg") => `${patientFolder(s.subjectId)}/s${s.studyId}/${dicomId}.${ext}`;
export const reportPath = (s: SynthStudy) => `${patientFolder(s.subjectId)}/s${s.studyId}.txt`;

/** Quotes a cell only when CSV needs it, as pandas (which wrote the real files) does. */
const cell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** The lines one study contributes to each CSV (several for per-image files, none when absent). */
export const ROWS: Record<FileKind, (s: SynthStudy) => string> = {
  records: (s) => s.images.map((im) => `${s.subjectId},${s.studyId},${im.dicomId},${imagePath(s, im.dicomId, "dcm")}\n`).join(""),
  studies: (s) => `${s.subjectId},${s.studyId},${reportPath(s)}\n`,
  providers: (s) => `${s.studyId},${s.providers.ordering},${s.providers.attending},${s.providers.resident}\n`,
  metadata: (s) =>
    s.images
      .map(
        (im) =>
          `${im.dicomId},${s.subjectId},${s.studyId},${cell(s.performed)},${im.view},${im.rows},${im.columns},${s.studyDate},${s.studyTime},${cell(s.procedure)},${im.viewCode},${im.orientation}\n`,
      )
      .join(""),
  chexpert: (s) => (s.chexpert ? `${s.subjectId},${s.studyId},${s.chexpert.join(",")}\n` : ""),
  negbio: (s) => (s.negbio ? `${s.subjectId},${s.studyId},${s.negbio.join(",")}\n` : ""),
  split: (s) => s.images.map((im) => `${im.dicomId},${s.studyId},${s.subjectId},${s.split}\n`).join(""),
  "test-labels": (s) => (s.testLabels ? `${s.studyId},${s.testLabels.join(",")}\n` : ""),
};

export const imageFilenameRows = (s: SynthStudy) => s.images.map((im) => `${imagePath(s, im.dicomId, "jpg")}\n`).join("");

export { IMAGE_FILENAMES, REPORTS_ZIP };
