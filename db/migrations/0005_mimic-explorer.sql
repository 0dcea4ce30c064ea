-- MIMIC-CXR explorer tables. Hand-written because drizzle-kit cannot express partitioned tables:
-- each dataset version's rows live in their own partition, so an import builds a new partition
-- off to the side and swaps it in with one short transaction (docs/decisions/008).

CREATE TABLE "mimic_image" (
  "dataset_id" uuid NOT NULL,
  "dicom_id" text NOT NULL,
  "study_id" integer NOT NULL,
  "subject_id" integer NOT NULL,
  "path" text NOT NULL,
  "view_position" text,
  "rows" integer,
  "columns" integer,
  "study_date" date,
  "study_time" time,
  "procedure" text,
  "view_code" text,
  "orientation" text,
  "split" text,
  "present_locally" boolean NOT NULL DEFAULT false
) PARTITION BY LIST ("dataset_id");
--> statement-breakpoint
CREATE UNIQUE INDEX "mimic_image_pk" ON "mimic_image" ("dataset_id", "dicom_id");
--> statement-breakpoint
CREATE INDEX "mimic_image_study" ON "mimic_image" ("dataset_id", "study_id");
--> statement-breakpoint
CREATE TABLE "mimic_study" (
  "dataset_id" uuid NOT NULL,
  "study_id" integer NOT NULL,
  "subject_id" integer NOT NULL,
  "study_date" date,
  "study_time" time,
  "report_path" text,
  "report" text,
  "report_tsv" tsvector,
  "chexpert" smallint[],
  "negbio" smallint[],
  "test_labels" smallint[],
  "views" text[] NOT NULL DEFAULT '{}',
  "splits" text[] NOT NULL DEFAULT '{}',
  "image_count" integer NOT NULL DEFAULT 0,
  "local_image_count" integer NOT NULL DEFAULT 0,
  "providers" jsonb,
  -- One small integer per filterable fact (label state per labeler, view, split, images present):
  -- every filter is "tokens @> {…}" on one GIN index, and facet counts are one unnest over the
  -- filtered rows.
  "tokens" smallint[] NOT NULL DEFAULT '{}'
) PARTITION BY LIST ("dataset_id");
--> statement-breakpoint
CREATE UNIQUE INDEX "mimic_study_pk" ON "mimic_study" ("dataset_id", "study_id");
--> statement-breakpoint
CREATE INDEX "mimic_study_date" ON "mimic_study" ("dataset_id", "study_date" DESC, "study_id");
--> statement-breakpoint
CREATE INDEX "mimic_study_tokens" ON "mimic_study" USING gin ("tokens");
--> statement-breakpoint
CREATE INDEX "mimic_study_report_tsv" ON "mimic_study" USING gin ("report_tsv");
--> statement-breakpoint
CREATE TABLE "mimic_view" (
  "code" smallint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
  "name" text NOT NULL UNIQUE
);
--> statement-breakpoint
-- Label tokens: labeler base + label index * 4 + state (1 positive, 2 negative, 3 uncertain,
-- 4 not mentioned). Kept in SQL so the import computes them where the rows already are.
CREATE FUNCTION "mimic_label_tokens"(labels smallint[], base integer) RETURNS smallint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN labels IS NULL THEN '{}'::smallint[] ELSE ARRAY(
    SELECT (base + (i - 1) * 4 + CASE labels[i] WHEN 1 THEN 1 WHEN 0 THEN 2 WHEN -1 THEN 3 ELSE 4 END)::smallint
    FROM generate_series(1, array_length(labels, 1)) AS i
  ) END
$$;
--> statement-breakpoint
CREATE FUNCTION "mimic_bad_value"(what text, v text) RETURNS smallint LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'unexpected % value "%"', what, v USING ERRCODE = '22023';
END $$;
--> statement-breakpoint
-- 1.0 / 0.0 / -1.0 / empty, kept as four distinct states (empty = not mentioned = NULL).
CREATE FUNCTION "mimic_label"(v text) RETURNS smallint LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN v IS NULL OR v = '' THEN NULL::smallint
    WHEN v IN ('1.0', '1') THEN 1::smallint WHEN v IN ('0.0', '0') THEN 0::smallint WHEN v IN ('-1.0', '-1') THEN -1::smallint
    ELSE mimic_bad_value('label', v) END
$$;
--> statement-breakpoint
-- StudyTime is written as a number, so leading zeros are lost: 5323.5 is 00:53:23.5.
CREATE FUNCTION "mimic_study_time"(t text) RETURNS time LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN t IS NULL OR t = '' THEN NULL::time ELSE (
    substr(lpad(split_part(t, '.', 1), 6, '0'), 1, 2) || ':' || substr(lpad(split_part(t, '.', 1), 6, '0'), 3, 2) || ':' ||
    substr(lpad(split_part(t, '.', 1), 6, '0'), 5, 2) || coalesce('.' || nullif(split_part(t, '.', 2), ''), '')
  )::time END
$$;
