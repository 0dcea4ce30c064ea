-- Which MIMIC-CXR version a lab reads together with which MIMIC-CXR-JPG version (docs/decisions/027):
-- the reports and DICOMs of one, the labels, metadata and JPGs of the other, joined by study_id and
-- dicom_id. A steward states it, per lab; labgate never guesses it from version numbers. Each side
-- is paired at most once, so a study has exactly one partner.
CREATE TABLE "mimic_version_pairs" (
  "lab_id" uuid NOT NULL REFERENCES "labs"("id"),
  "cxr_dataset_id" uuid NOT NULL REFERENCES "datasets"("id"),
  "jpg_dataset_id" uuid NOT NULL REFERENCES "datasets"("id"),
  "created_by" uuid NOT NULL REFERENCES "users"("id"),
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  PRIMARY KEY ("lab_id", "cxr_dataset_id"),
  CONSTRAINT "mimic_version_pairs_two_sides" CHECK ("cxr_dataset_id" <> "jpg_dataset_id")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "mimic_version_pairs_jpg" ON "mimic_version_pairs" ("lab_id", "jpg_dataset_id");
