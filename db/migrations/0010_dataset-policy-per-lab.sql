-- Separation of duties (docs/decisions/016-separation-of-duties.md). A lab's requirements for a
-- project outside labgate's PhysioNet catalogue move to its own lab_datasets row, so one lab's choice
-- never reaches another lab through the shared datasets row; catalogue projects get the catalogue's
-- policy; "open" is kept only for projects PhysioNet publishes as open.
ALTER TABLE "lab_datasets" ADD COLUMN "required_training_types" text[];--> statement-breakpoint
ALTER TABLE "lab_datasets" ADD COLUMN "dua_name" text;--> statement-breakpoint
ALTER TABLE "lab_datasets" ADD COLUMN "dua_version" text;--> statement-breakpoint
-- Keep what each lab holds: its copy keeps the requirements it was added with.
UPDATE "lab_datasets" ld SET "required_training_types" = d."required_training_types", "dua_name" = d."dua_name", "dua_version" = d."dua_version"
  FROM "datasets" d
  WHERE d."id" = ld."dataset_id" AND d."access_policy" <> 'open' AND d."dua_name" <> ''
    AND d."slug" NOT IN ('mimic-cxr', 'mimic-cxr-jpg', 'mimiciv', 'mimic-iv-note', 'mimic-iv-ed', 'eicu-crd', 'mimiciii', 'mimic-iv-demo', 'mimiciii-demo', 'mitdb', 'ptb-xl');--> statement-breakpoint
UPDATE "datasets" SET "access_policy" = 'credentialed', "required_training_types" = ARRAY['citi-data-or-specimens'],
    "dua_name" = 'PhysioNet Credentialed Health Data Use Agreement', "dua_version" = '1.5.0'
  WHERE "slug" IN ('mimic-cxr', 'mimic-cxr-jpg', 'mimiciv', 'mimic-iv-note', 'mimic-iv-ed', 'eicu-crd', 'mimiciii');--> statement-breakpoint
-- A project labgate does not list that a steward called "open" becomes credentialed, with the strictest requirements.
UPDATE "datasets" SET "access_policy" = 'credentialed', "required_training_types" = ARRAY['citi-data-or-specimens'],
    "dua_name" = 'PhysioNet Credentialed Health Data Use Agreement', "dua_version" = '1.5.0'
  WHERE "access_policy" = 'open' AND "slug" NOT IN ('mimic-iv-demo', 'mimiciii-demo', 'mitdb', 'ptb-xl');--> statement-breakpoint
ALTER TABLE "datasets" ADD CONSTRAINT "datasets_open_only_catalogue" CHECK ("datasets"."access_policy" <> 'open' or "datasets"."slug" in ('mimic-iv-demo', 'mimiciii-demo', 'mitdb', 'ptb-xl'));
