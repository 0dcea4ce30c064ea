-- Responsible use of online services and periodic re-attestation (decision 038). The lab decides
-- whether members attest to PhysioNet's responsible-use notice, and every how many months they
-- re-confirm it and their DUAs; an attestation names the text version it covers, like a DUA signature.
ALTER TABLE "lab_access_policies" ADD COLUMN "responsible_use_required" boolean DEFAULT false NOT NULL;
--> statement-breakpoint
ALTER TABLE "lab_access_policies" ADD COLUMN "reattest_months" integer;
--> statement-breakpoint
ALTER TABLE "lab_access_policies" ADD CONSTRAINT "lab_access_policies_reattest_months_range" CHECK ("lab_access_policies"."reattest_months" is null or "lab_access_policies"."reattest_months" between 1 and 60);
--> statement-breakpoint
CREATE TYPE "public"."attestation_kind" AS ENUM('responsible_use', 'dua');
--> statement-breakpoint
CREATE TABLE "attestations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"lab_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"kind" "attestation_kind" NOT NULL,
	"dataset_id" uuid,
	"text_version" text NOT NULL,
	"attested_at" timestamp with time zone NOT NULL,
	CONSTRAINT "attestations_dataset_for_dua" CHECK (("attestations"."kind" = 'dua') = ("attestations"."dataset_id" is not null))
);
--> statement-breakpoint
ALTER TABLE "attestations" ADD CONSTRAINT "attestations_lab_id_labs_id_fk" FOREIGN KEY ("lab_id") REFERENCES "public"."labs"("id") ON DELETE no action ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "attestations" ADD CONSTRAINT "attestations_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "attestations" ADD CONSTRAINT "attestations_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE no action ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "attestations_lab_user_idx" ON "attestations" USING btree ("lab_id","user_id");
