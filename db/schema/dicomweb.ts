import { foreignKey, index, jsonb, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { storedFiles } from "./downloads";

/**
 * The DICOMweb header index (docs/decisions/035-dicomweb.md): one row per DICOM file in a lab's
 * storage, read from the file's header on first use. `attrs` is the header as DICOM JSON without
 * binary values; `error` set means the header could not be read (and the UIDs are null).
 */
export const dicomInstances = pgTable(
  "dicom_instances",
  {
    labId: uuid("lab_id").notNull(),
    datasetId: uuid("dataset_id").notNull(),
    path: text("path").notNull(),
    sha256: text("sha256").notNull(),
    studyUid: text("study_uid"),
    seriesUid: text("series_uid"),
    sopUid: text("sop_uid"),
    patientId: text("patient_id"),
    studyDate: text("study_date"),
    modality: text("modality"),
    transferSyntax: text("transfer_syntax"),
    attrs: jsonb("attrs").$type<Record<string, unknown>>().notNull().default({}),
    error: text("error"),
    indexedAt: timestamp("indexed_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "dicom_instances_pk", columns: [t.labId, t.datasetId, t.path] }),
    foreignKey({ name: "dicom_instances_stored_file_fk", columns: [t.labId, t.datasetId, t.path], foreignColumns: [storedFiles.labId, storedFiles.datasetId, storedFiles.path] }).onDelete("cascade"),
    index("dicom_instances_study_idx").on(t.labId, t.datasetId, t.studyUid, t.seriesUid),
    index("dicom_instances_sop_idx").on(t.labId, t.datasetId, t.sopUid),
    index("dicom_instances_patient_idx").on(t.labId, t.datasetId, t.patientId),
    index("dicom_instances_date_idx").on(t.labId, t.datasetId, t.studyDate),
  ],
);
