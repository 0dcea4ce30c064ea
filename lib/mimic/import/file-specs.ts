/**
 * The MIMIC-CXR / MIMIC-CXR-JPG files labgate imports, with their headers exactly as PhysioNet ships
 * them. An import refuses a file whose header differs, and a file that belongs to the other project.
 */
export const LABELS = [
  "Atelectasis",
  "Cardiomegaly",
  "Consolidation",
  "Edema",
  "Enlarged Cardiomediastinum",
  "Fracture",
  "Lung Lesion",
  "Lung Opacity",
  "No Finding",
  "Pleural Effusion",
  "Pleural Other",
  "Pneumonia",
  "Pneumothorax",
  "Support Devices",
] as const;
export type Label = (typeof LABELS)[number];

export type Project = "mimic-cxr" | "mimic-cxr-jpg";

export type FileKind = "records" | "studies" | "providers" | "metadata" | "chexpert" | "negbio" | "split" | "test-labels";

export type CsvFileSpec = {
  kind: FileKind;
  name: string;
  project: Project;
  header: readonly string[];
  /** The first version that ships the file. */
  since: "2.0.0" | "2.1.0";
};

export const CSV_FILES: readonly CsvFileSpec[] = [
  { kind: "records", name: "cxr-record-list.csv.gz", project: "mimic-cxr", since: "2.0.0", header: ["subject_id", "study_id", "dicom_id", "path"] },
  { kind: "studies", name: "cxr-study-list.csv.gz", project: "mimic-cxr", since: "2.0.0", header: ["subject_id", "study_id", "path"] },
  {
    kind: "providers",
    name: "cxr-provider-list.csv.gz",
    project: "mimic-cxr",
    since: "2.1.0",
    header: ["study_id", "ordering_provider_id", "attending_provider_id", "resident_provider_id"],
  },
  {
    kind: "metadata",
    name: "mimic-cxr-2.0.0-metadata.csv.gz",
    project: "mimic-cxr-jpg",
    since: "2.0.0",
    header: [
      "dicom_id",
      "subject_id",
      "study_id",
      "PerformedProcedureStepDescription",
      "ViewPosition",
      "Rows",
      "Columns",
      "StudyDate",
      "StudyTime",
      "ProcedureCodeSequence_CodeMeaning",
      "ViewCodeSequence_CodeMeaning",
      "PatientOrientationCodeSequence_CodeMeaning",
    ],
  },
  { kind: "chexpert", name: "mimic-cxr-2.0.0-chexpert.csv.gz", project: "mimic-cxr-jpg", since: "2.0.0", header: ["subject_id", "study_id", ...LABELS] },
  { kind: "negbio", name: "mimic-cxr-2.0.0-negbio.csv.gz", project: "mimic-cxr-jpg", since: "2.0.0", header: ["subject_id", "study_id", ...LABELS] },
  { kind: "split", name: "mimic-cxr-2.0.0-split.csv.gz", project: "mimic-cxr-jpg", since: "2.0.0", header: ["dicom_id", "study_id", "subject_id", "split"] },
  { kind: "test-labels", name: "mimic-cxr-2.1.0-test-set-labeled.csv", project: "mimic-cxr-jpg", since: "2.1.0", header: ["study_id", ...LABELS] },
];

export const REPORTS_ZIP = "mimic-cxr-reports.zip";
export const IMAGE_FILENAMES = "IMAGE_FILENAMES";
export const SHA256SUMS = "SHA256SUMS.txt";

export const CITATION =
  "Johnson AEW, Pollard TJ, Greenbaum NR, et al. MIMIC-CXR-JPG, a large publicly available database of labeled chest radiographs. arXiv:1901.07042 (2019). " +
  "Johnson AEW, Pollard TJ, Berkowitz SJ, et al. MIMIC-CXR, a de-identified publicly available database of chest radiographs with free-text reports. Sci Data 6, 317 (2019). https://doi.org/10.1038/s41597-019-0322-0";
