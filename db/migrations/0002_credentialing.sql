CREATE TYPE "public"."access_grant_status" AS ENUM('approved', 'suspended', 'revoked');--> statement-breakpoint
CREATE TYPE "public"."credentialing_decision" AS ENUM('accepted', 'rejected', 'withdrawn', 'revoked');--> statement-breakpoint
CREATE TYPE "public"."credentialing_stage" AS ENUM('not_in_review', 'id_check', 'reference', 'reference_response', 'final_review');--> statement-breakpoint
CREATE TYPE "public"."dataset_access_policy" AS ENUM('open', 'restricted', 'credentialed', 'contributor_review');--> statement-breakpoint
CREATE TYPE "public"."review_status" AS ENUM('pending', 'accepted', 'rejected');--> statement-breakpoint
CREATE TYPE "public"."training_kind" AS ENUM('report', 'certificate');--> statement-breakpoint
CREATE TYPE "public"."physionet_verification_outcome" AS ENUM('confirmed', 'wrong_credentials', 'not_authorized', 'not_found', 'error');--> statement-breakpoint
CREATE TABLE "access_grants" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"lab_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"dataset_id" uuid NOT NULL,
	"status" "access_grant_status" NOT NULL,
	"reason" text,
	"decided_by" uuid NOT NULL,
	"decided_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "credentialing_applications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"lab_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"application_date" date NOT NULL,
	"stage" "credentialing_stage" DEFAULT 'not_in_review' NOT NULL,
	"decision" "credentialing_decision",
	"decision_date" date,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "credentialing_decision_has_date" CHECK (("credentialing_applications"."decision" is null) = ("credentialing_applications"."decision_date" is null))
);
--> statement-breakpoint
CREATE TABLE "datasets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"version" text NOT NULL,
	"title" text NOT NULL,
	"access_policy" "dataset_access_policy" DEFAULT 'credentialed' NOT NULL,
	"required_training_types" text[] DEFAULT '{}'::text[] NOT NULL,
	"dua_name" text NOT NULL,
	"dua_version" text NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "datasets_slug_format" CHECK ("datasets"."slug" ~ '^[a-z0-9][a-z0-9-]{0,99}$'),
	CONSTRAINT "datasets_version_format" CHECK ("datasets"."version" ~ '^[0-9]+(\.[0-9]+){0,3}$')
);
--> statement-breakpoint
CREATE TABLE "dua_signatures" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"lab_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"dataset_id" uuid NOT NULL,
	"dua_name" text NOT NULL,
	"dua_version" text NOT NULL,
	"signed_on" date NOT NULL,
	"initials" text NOT NULL,
	"status" "review_status" DEFAULT 'pending' NOT NULL,
	"reviewed_by" uuid,
	"reviewed_at" timestamp with time zone,
	"review_comment" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lab_access_policies" (
	"lab_id" uuid PRIMARY KEY NOT NULL,
	"verification_valid_days" integer,
	"warning_days" integer DEFAULT 30 NOT NULL,
	"updated_by" uuid,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "lab_access_policies_verification_positive" CHECK ("lab_access_policies"."verification_valid_days" is null or "lab_access_policies"."verification_valid_days" > 0),
	CONSTRAINT "lab_access_policies_warning_positive" CHECK ("lab_access_policies"."warning_days" >= 0)
);
--> statement-breakpoint
CREATE TABLE "lab_datasets" (
	"lab_id" uuid NOT NULL,
	"dataset_id" uuid NOT NULL,
	"retention_days" integer,
	"added_by" uuid,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lab_datasets_lab_id_dataset_id_pk" PRIMARY KEY("lab_id","dataset_id"),
	CONSTRAINT "lab_datasets_retention_positive" CHECK ("lab_datasets"."retention_days" is null or "lab_datasets"."retention_days" > 0)
);
--> statement-breakpoint
CREATE TABLE "lab_training_policies" (
	"lab_id" uuid NOT NULL,
	"training_type" text NOT NULL,
	"validity_days" integer DEFAULT 1095,
	"updated_by" uuid,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "lab_training_policies_lab_id_training_type_pk" PRIMARY KEY("lab_id","training_type"),
	CONSTRAINT "lab_training_policies_validity_positive" CHECK ("lab_training_policies"."validity_days" is null or "lab_training_policies"."validity_days" > 0)
);
--> statement-breakpoint
CREATE TABLE "physionet_accounts" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"lab_id" uuid NOT NULL,
	"username" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "physionet_accounts_username_unique" UNIQUE("username")
);
--> statement-breakpoint
CREATE TABLE "physionet_verifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"lab_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"dataset_id" uuid NOT NULL,
	"physionet_username" text NOT NULL,
	"outcome" "physionet_verification_outcome" NOT NULL,
	"http_status" integer,
	"detail" text,
	"checked_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "training_types" (
	"slug" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"course_name" text NOT NULL,
	"default_validity_days" integer
);
--> statement-breakpoint
CREATE TABLE "trainings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"lab_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"training_type" text NOT NULL,
	"kind" "training_kind" NOT NULL,
	"status" "review_status" DEFAULT 'pending' NOT NULL,
	"learner_name" text NOT NULL,
	"course" text NOT NULL,
	"completion_date" date NOT NULL,
	"expiration_date" date,
	"record_id" text NOT NULL,
	"verification_url" text NOT NULL,
	"storage_key" text NOT NULL,
	"sha256" text NOT NULL,
	"size_bytes" integer NOT NULL,
	"submitted_at" timestamp with time zone NOT NULL,
	"reviewed_by" uuid,
	"reviewed_at" timestamp with time zone,
	"review_comment" text,
	"accepted_at" timestamp with time zone,
	CONSTRAINT "trainings_accepted_has_date" CHECK (("trainings"."status" = 'accepted') = ("trainings"."accepted_at" is not null))
);
--> statement-breakpoint
ALTER TABLE "access_grants" ADD CONSTRAINT "access_grants_lab_id_labs_id_fk" FOREIGN KEY ("lab_id") REFERENCES "public"."labs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_grants" ADD CONSTRAINT "access_grants_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_grants" ADD CONSTRAINT "access_grants_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_grants" ADD CONSTRAINT "access_grants_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credentialing_applications" ADD CONSTRAINT "credentialing_applications_lab_id_labs_id_fk" FOREIGN KEY ("lab_id") REFERENCES "public"."labs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credentialing_applications" ADD CONSTRAINT "credentialing_applications_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "datasets" ADD CONSTRAINT "datasets_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dua_signatures" ADD CONSTRAINT "dua_signatures_lab_id_labs_id_fk" FOREIGN KEY ("lab_id") REFERENCES "public"."labs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dua_signatures" ADD CONSTRAINT "dua_signatures_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dua_signatures" ADD CONSTRAINT "dua_signatures_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dua_signatures" ADD CONSTRAINT "dua_signatures_reviewed_by_users_id_fk" FOREIGN KEY ("reviewed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lab_access_policies" ADD CONSTRAINT "lab_access_policies_lab_id_labs_id_fk" FOREIGN KEY ("lab_id") REFERENCES "public"."labs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lab_access_policies" ADD CONSTRAINT "lab_access_policies_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lab_datasets" ADD CONSTRAINT "lab_datasets_lab_id_labs_id_fk" FOREIGN KEY ("lab_id") REFERENCES "public"."labs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lab_datasets" ADD CONSTRAINT "lab_datasets_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lab_datasets" ADD CONSTRAINT "lab_datasets_added_by_users_id_fk" FOREIGN KEY ("added_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lab_training_policies" ADD CONSTRAINT "lab_training_policies_lab_id_labs_id_fk" FOREIGN KEY ("lab_id") REFERENCES "public"."labs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lab_training_policies" ADD CONSTRAINT "lab_training_policies_training_type_training_types_slug_fk" FOREIGN KEY ("training_type") REFERENCES "public"."training_types"("slug") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lab_training_policies" ADD CONSTRAINT "lab_training_policies_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "physionet_accounts" ADD CONSTRAINT "physionet_accounts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "physionet_accounts" ADD CONSTRAINT "physionet_accounts_lab_id_labs_id_fk" FOREIGN KEY ("lab_id") REFERENCES "public"."labs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "physionet_verifications" ADD CONSTRAINT "physionet_verifications_lab_id_labs_id_fk" FOREIGN KEY ("lab_id") REFERENCES "public"."labs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "physionet_verifications" ADD CONSTRAINT "physionet_verifications_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "physionet_verifications" ADD CONSTRAINT "physionet_verifications_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trainings" ADD CONSTRAINT "trainings_lab_id_labs_id_fk" FOREIGN KEY ("lab_id") REFERENCES "public"."labs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trainings" ADD CONSTRAINT "trainings_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trainings" ADD CONSTRAINT "trainings_training_type_training_types_slug_fk" FOREIGN KEY ("training_type") REFERENCES "public"."training_types"("slug") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trainings" ADD CONSTRAINT "trainings_reviewed_by_users_id_fk" FOREIGN KEY ("reviewed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "access_grants_user_dataset_idx" ON "access_grants" USING btree ("user_id","dataset_id");--> statement-breakpoint
CREATE INDEX "access_grants_lab_idx" ON "access_grants" USING btree ("lab_id","dataset_id");--> statement-breakpoint
CREATE INDEX "credentialing_applications_user_idx" ON "credentialing_applications" USING btree ("user_id","application_date");--> statement-breakpoint
CREATE INDEX "credentialing_applications_lab_idx" ON "credentialing_applications" USING btree ("lab_id");--> statement-breakpoint
CREATE UNIQUE INDEX "datasets_slug_version_idx" ON "datasets" USING btree ("slug","version");--> statement-breakpoint
CREATE INDEX "dua_signatures_user_dataset_idx" ON "dua_signatures" USING btree ("user_id","dataset_id");--> statement-breakpoint
CREATE INDEX "dua_signatures_lab_status_idx" ON "dua_signatures" USING btree ("lab_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "dua_signatures_live_idx" ON "dua_signatures" USING btree ("user_id","dataset_id","dua_name","dua_version") WHERE "dua_signatures"."status" <> 'rejected';--> statement-breakpoint
CREATE INDEX "physionet_accounts_lab_idx" ON "physionet_accounts" USING btree ("lab_id");--> statement-breakpoint
CREATE INDEX "physionet_verifications_user_dataset_idx" ON "physionet_verifications" USING btree ("user_id","dataset_id","checked_at");--> statement-breakpoint
CREATE INDEX "physionet_verifications_lab_idx" ON "physionet_verifications" USING btree ("lab_id");--> statement-breakpoint
CREATE INDEX "trainings_lab_status_idx" ON "trainings" USING btree ("lab_id","status");--> statement-breakpoint
CREATE INDEX "trainings_user_type_idx" ON "trainings" USING btree ("user_id","training_type");--> statement-breakpoint
CREATE UNIQUE INDEX "trainings_user_sha256_live_idx" ON "trainings" USING btree ("user_id","sha256") WHERE "trainings"."status" <> 'rejected';--> statement-breakpoint
CREATE INDEX "trainings_record_id_idx" ON "trainings" USING btree ("record_id");