-- Report search keeps every word (decision 025). PostgreSQL's `english` configuration drops stop
-- words, "no", "not" and "without" among them, so `"no pneumothorax"` searched for "pneumothorax" and
-- `pneumothorax -"no pneumothorax"` for nothing. This configuration is `english` (same parser, same
-- token types, same Snowball stemmer: "effusions" still finds "effusion") with a stemmer that has no
-- stop-word list.
CREATE TEXT SEARCH DICTIONARY "labgate_english_stem" (TEMPLATE = snowball, Language = english);
--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION "labgate_report" (COPY = pg_catalog.english);
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION "labgate_report" ALTER MAPPING REPLACE english_stem WITH "labgate_english_stem";
--> statement-breakpoint
-- Reports imported before this migration were indexed without those words; index them again so old
-- and new imports answer a search alike.
UPDATE "mimic_study" SET "report_tsv" = to_tsvector('labgate_report', "report") WHERE "report" IS NOT NULL;
