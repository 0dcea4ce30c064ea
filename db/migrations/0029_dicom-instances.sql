-- The DICOMweb header index (decision 035): the UIDs and searchable attributes of every DICOM file in
-- a lab's storage, read from the file's own header the first time DICOMweb is asked about that lab's
-- copy of the dataset version. A row belongs to one stored file (same key), and goes with it; `sha256`
-- is the stored file's at indexing time, so a file stored again with other bytes is read again.
-- `attrs` is the header as DICOM JSON (PS3.18 F.2) without binary values, what QIDO-RS answers with.
-- A file whose header cannot be read keeps a row with `error` and no UIDs, so it is not re-read on
-- every request; searches skip it.
CREATE TABLE "dicom_instances" (
  "lab_id" uuid NOT NULL,
  "dataset_id" uuid NOT NULL,
  "path" text NOT NULL,
  "sha256" text NOT NULL,
  "study_uid" text,
  "series_uid" text,
  "sop_uid" text,
  "patient_id" text,
  "study_date" text,
  "modality" text,
  "transfer_syntax" text,
  "attrs" jsonb NOT NULL DEFAULT '{}',
  "error" text,
  "indexed_at" timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT "dicom_instances_pk" PRIMARY KEY ("lab_id", "dataset_id", "path"),
  CONSTRAINT "dicom_instances_stored_file_fk" FOREIGN KEY ("lab_id", "dataset_id", "path") REFERENCES "stored_files"("lab_id", "dataset_id", "path") ON DELETE CASCADE,
  CONSTRAINT "dicom_instances_uids_or_error" CHECK (("error" IS NULL) = ("study_uid" IS NOT NULL AND "series_uid" IS NOT NULL AND "sop_uid" IS NOT NULL))
);
--> statement-breakpoint
CREATE INDEX "dicom_instances_study_idx" ON "dicom_instances" ("lab_id", "dataset_id", "study_uid", "series_uid");
--> statement-breakpoint
CREATE INDEX "dicom_instances_sop_idx" ON "dicom_instances" ("lab_id", "dataset_id", "sop_uid");
--> statement-breakpoint
CREATE INDEX "dicom_instances_patient_idx" ON "dicom_instances" ("lab_id", "dataset_id", "patient_id");
--> statement-breakpoint
CREATE INDEX "dicom_instances_date_idx" ON "dicom_instances" ("lab_id", "dataset_id", "study_date");
--> statement-breakpoint
-- DICOMweb's per-request freshness check reads only the files stored since its last check.
CREATE INDEX "stored_files_stored_at_idx" ON "stored_files" ("lab_id", "dataset_id", "stored_at");
