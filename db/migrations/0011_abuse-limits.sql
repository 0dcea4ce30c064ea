-- Rate limits shared by every app instance (lib/limits/): one row per limited key, changed only by
-- one atomic INSERT ... ON CONFLICT DO UPDATE, so concurrent attempts cannot both take the last slot.
CREATE TABLE "rate_limits" (
	"key" text PRIMARY KEY NOT NULL,
	"window_started_at" timestamp with time zone NOT NULL,
	"hits" integer NOT NULL,
	"blocked_until" timestamp with time zone,
	"strikes" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "rate_limits_updated_idx" ON "rate_limits" USING btree ("updated_at");
--> statement-breakpoint
-- A PhysioNet username is linked to one member of the whole installation, compared case-blind (PhysioNet
-- lower-cases usernames). Links that differ only in case would make the new index fail, so the
-- earliest link of each username is kept and later ones are removed: those members see "No PhysioNet
-- username recorded" again, and re-linking it is refused with "ask a steward". The notice names them.
DO $$
DECLARE
	removed text;
BEGIN
	WITH ranked AS (
		SELECT "user_id", row_number() OVER (PARTITION BY lower("username") ORDER BY "created_at", "user_id") AS n
		FROM "physionet_accounts"
	), deleted AS (
		DELETE FROM "physionet_accounts" p USING ranked r WHERE p."user_id" = r."user_id" AND r.n > 1
		RETURNING p."user_id", p."username"
	)
	SELECT string_agg("user_id"::text || ' (' || "username" || ')', ', ') INTO removed FROM deleted;
	IF removed IS NOT NULL THEN
		RAISE NOTICE 'labgate: PhysioNet usernames linked to more than one member; kept the earliest link, removed: %', removed;
	END IF;
END $$;
--> statement-breakpoint
UPDATE "physionet_accounts" SET "username" = lower("username") WHERE "username" <> lower("username");
--> statement-breakpoint
ALTER TABLE "physionet_accounts" DROP CONSTRAINT "physionet_accounts_username_unique";
--> statement-breakpoint
CREATE UNIQUE INDEX "physionet_accounts_username_key" ON "physionet_accounts" USING btree (lower("username"));
