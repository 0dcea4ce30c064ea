-- A narrow, fixed-width copy of each study's filterable facts, partitioned like mimic_study and
-- swapped in with it. Browsing filters here (GIN on tokens for selective filters, a short
-- sequential scan for broad ones) and counts facets by grouping on the bit columns: a broad filter
-- matching 28,000 studies then groups ~600 distinct rows instead of unnesting 870,000 tokens, and
-- the wide study rows (labels, report, providers) are read only for the 50 on the page.
-- Bits: chexpert_bits / negbio_bits hold bit (label index * 4 + state index) for states positive,
-- negative, uncertain, not mentioned (the label tokens minus their base minus one); view_bits holds
-- bit <view code>; flags holds 1 train, 2 validate, 4 test, 8 images present locally.
CREATE FUNCTION "mimic_token_bits"(tokens smallint[], lo integer, hi integer) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(bit_or(1::bigint << (t - lo)), 0) FROM unnest(tokens) AS t WHERE t >= lo AND t <= hi
$$;
--> statement-breakpoint
CREATE TABLE "mimic_study_facet" (
  "dataset_id" uuid NOT NULL,
  "study_id" integer NOT NULL,
  "subject_id" integer NOT NULL,
  "study_date" date,
  "chexpert_bits" bigint NOT NULL,
  "negbio_bits" bigint NOT NULL,
  "view_bits" bigint NOT NULL,
  "flags" smallint NOT NULL,
  "tokens" smallint[] NOT NULL
) PARTITION BY LIST ("dataset_id");
--> statement-breakpoint
CREATE UNIQUE INDEX "mimic_study_facet_pk" ON "mimic_study_facet" ("dataset_id", "study_id");
--> statement-breakpoint
CREATE INDEX "mimic_study_facet_tokens" ON "mimic_study_facet" USING gin ("tokens");
--> statement-breakpoint
-- The unfiltered first page, newest first, without sorting 227,835 rows.
CREATE INDEX "mimic_study_facet_date" ON "mimic_study_facet" ("dataset_id", "study_date" DESC NULLS LAST, "study_id" DESC);
--> statement-breakpoint
-- Every facet count of a whole dataset version per labeler (lib/mimic/browse/facet-groups.ts), made
-- by the import and replaced in the transaction that swaps its partitions in: the explorer's first
-- page, with no filter, would otherwise count all studies on every visit. A dataset imported before
-- this table existed simply has no row, and its counts are made live.
CREATE TABLE "mimic_facet_totals" (
  "dataset_id" uuid NOT NULL REFERENCES "datasets" ("id") ON DELETE CASCADE,
  "labeler" text NOT NULL,
  "groups" jsonb NOT NULL,
  PRIMARY KEY ("dataset_id", "labeler")
);
--> statement-breakpoint
-- Filtering and sorting read mimic_study_facet now; these indexes would only cost import time.
DROP INDEX "mimic_study_tokens";
--> statement-breakpoint
DROP INDEX "mimic_study_date";
--> statement-breakpoint
-- Datasets imported before this migration get their facet partition now, named after their study
-- partition (mimic_study_i… → mimic_facet_i…) so orphan cleanup recognises it.
DO $$
DECLARE
  part record;
  facet text;
BEGIN
  FOR part IN
    SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'mimic_study'::regclass
  LOOP
    facet := regexp_replace(part.name, '^mimic_study_', 'mimic_facet_');
    EXECUTE format('CREATE TABLE %I (LIKE mimic_study_facet INCLUDING DEFAULTS)', facet);
    EXECUTE format(
      'INSERT INTO %I SELECT dataset_id, study_id, subject_id, study_date, mimic_token_bits(tokens, 1, 56), mimic_token_bits(tokens, 101, 156), '
      'mimic_token_bits(tokens, 300, 362), (mimic_token_bits(tokens, 401, 403) | CASE WHEN 500 = ANY(tokens) THEN 8 ELSE 0 END)::smallint, tokens FROM %I',
      facet, part.name);
    EXECUTE format('ALTER TABLE mimic_study_facet ATTACH PARTITION %I %s', facet, part.bound);
    EXECUTE format('ANALYZE %I', facet);
  END LOOP;
END $$;
--> statement-breakpoint
-- The tokens now live in mimic_study_facet only.
ALTER TABLE "mimic_study" DROP COLUMN "tokens";
--> statement-breakpoint
-- The import writes these conversions inline now (lib/mimic/import/build-partitions.ts): PostgreSQL
-- could not inline these functions, and calling them was most of the import's time.
DROP FUNCTION "mimic_label_tokens"(smallint[], integer);
--> statement-breakpoint
DROP FUNCTION "mimic_label"(text);
--> statement-breakpoint
DROP FUNCTION "mimic_study_time"(text);
