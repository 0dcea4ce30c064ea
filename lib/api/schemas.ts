import { z } from "zod";
import { LABELS } from "@/lib/mimic/import/file-specs";
import { LABEL_STATES, SPLITS } from "@/lib/mimic/tokens";
import { splitSpecSchema } from "@/lib/mimic/cohorts/split-spec";

// The shapes of labgate's HTTP API (/api/v1). Handlers build their answers as these types, and the
// OpenAPI document (lib/api/openapi.ts) is generated from these same schemas, so the description
// cannot drift from what is served.

const labelState = z.enum(LABEL_STATES);
const labelMap = z.record(z.enum(LABELS), labelState).nullable().describe("State of each of the 14 CheXpert labels");

export const errorSchema = z.object({ error: z.string(), fieldErrors: z.record(z.string(), z.array(z.string())).optional() }).meta({ title: "Error" });

export const datasetSchema = z
  .object({
    slug: z.string().describe("PhysioNet project slug, e.g. mimic-cxr-jpg"),
    version: z.string(),
    title: z.string(),
    dua: z.string().describe("The data use agreement this access is held under"),
    studies: z.number().int(),
    images: z.number().int(),
  })
  .meta({ title: "Dataset" });
export const datasetListSchema = z.object({ datasets: z.array(datasetSchema) });

export const cohortSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    query: z.string().describe("The explorer filter the cohort stands for (URL query syntax)"),
    studyCount: z.number().int().describe("Studies matching when the cohort was saved"),
    createdAt: z.string().describe("ISO 8601"),
    createdBy: z.string().nullable(),
    manifest: z.string().describe("Path of the cohort's manifest (CSV)"),
    split: splitSpecSchema.describe("How the cohort is split (decision 034): the official split, or a patient-level split drawn from a seed, with ratios and an optional label to stratify by; the same spec gives the same assignment"),
    splitDescription: z.string().describe("The split in words, as the cohort's README.txt cites it"),
  })
  .meta({ title: "Cohort" });
export const cohortListSchema = z.object({ cohorts: z.array(cohortSchema) });

export const studyRowSchema = z
  .object({
    studyId: z.number().int(),
    subjectId: z.number().int(),
    studyDate: z.string().nullable(),
    views: z.array(z.string()),
    splits: z.array(z.string()),
    imageCount: z.number().int(),
    localImageCount: z.number().int(),
    labels: z.partialRecord(z.enum(LABELS), labelState).describe("Labels of the chosen labeler (chexpert unless labeler=negbio)"),
  })
  .meta({ title: "StudyRow" });
export const studyPageSchema = z.object({ total: z.number().int(), page: z.number().int(), pageSize: z.number().int(), studies: z.array(studyRowSchema) });

/** The explorer's filters as query parameters (the same keys as the explorer's URL; lib/mimic/browse/study-filters.ts parses them). */
export const studySearchQuerySchema = z.object({
  labeler: z.enum(["chexpert", "negbio"]).optional().describe("Which label set `label` filters and `labels` shows"),
  label: z.array(z.string()).optional().describe(`Repeatable, "<Label>:<state>", e.g. Edema:positive; states: ${LABEL_STATES.join(", ")}`),
  view: z.array(z.string()).optional().describe("Repeatable ViewPosition, e.g. PA"),
  split: z.array(z.enum(SPLITS)).optional(),
  from: z.string().optional().describe("YYYY-MM-DD (shifted study dates)"),
  to: z.string().optional().describe("YYYY-MM-DD"),
  local: z.enum(["0", "1"]).optional().describe("1: only studies with images in lab storage"),
  q: z.string().optional().describe("Full-text search in reports"),
  sort: z.enum(["date", "study_id", "subject_id"]).optional(),
  dir: z.enum(["asc", "desc"]).optional(),
  page: z.number().int().min(1).optional(),
  size: z.number().int().min(10).max(200).optional().describe("Page size"),
});

export const studyImageSchema = z
  .object({
    dicomId: z.string(),
    path: z.string().describe("Path inside the dataset version, as on PhysioNet"),
    viewPosition: z.string().nullable(),
    split: z.string().nullable(),
    rows: z.number().int().nullable(),
    columns: z.number().int().nullable(),
    inStorage: z.boolean().describe("Whether GET files/{path} can serve it"),
    size: z.number().int().nullable(),
    sha256: z.string().nullable(),
  })
  .meta({ title: "StudyImage" });
export const studyDetailSchema = z
  .object({
    studyId: z.number().int(),
    subjectId: z.number().int(),
    studyDate: z.string().nullable(),
    labels: z.object({ chexpert: labelMap, negbio: labelMap, test: labelMap.describe("Radiologist labels of the test split, where given") }),
    report: z.object({ path: z.string().nullable(), sections: z.array(z.object({ heading: z.string().nullable(), text: z.string() })).nullable() }),
    images: z.array(studyImageSchema),
  })
  .meta({ title: "StudyDetail" });

/** Columns of a cohort manifest, in order (CSV, one row per image). */
export const MANIFEST_COLUMNS = [
  "path", "size", "sha256", "in_storage", "dicom_id", "subject_id", "study_id", "study_date", "split", "view_position",
  ...LABELS.map((l) => `chexpert_${l}`), ...LABELS.map((l) => `negbio_${l}`),
] as const;
export const manifestRowSchema = z
  .object({
    path: z.string(),
    size: z.number().int().nullable().describe("Empty when the file is not in lab storage"),
    sha256: z.string().nullable(),
    in_storage: z.enum(["1", "0"]),
    dicom_id: z.string(),
    subject_id: z.number().int(),
    study_id: z.number().int(),
    study_date: z.string().nullable(),
    split: z.string().nullable(),
    view_position: z.string().nullable(),
  })
  .catchall(z.string().describe("chexpert_<Label> / negbio_<Label>: 1.0, 0.0, -1.0 or empty, as in the source CSVs"))
  .meta({ title: "ManifestRow", description: `CSV columns: ${MANIFEST_COLUMNS.join(", ")}` });
