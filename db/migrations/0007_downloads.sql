CREATE TYPE "public"."download_file_category" AS ENUM('metadata', 'report', 'image', 'other');--> statement-breakpoint
CREATE TYPE "public"."download_file_state" AS ENUM('pending', 'active', 'done', 'skipped', 'failed');--> statement-breakpoint
CREATE TYPE "public"."download_job_state" AS ENUM('preparing', 'ready', 'running', 'paused', 'completed', 'incomplete', 'failed', 'cancelled', 'stopped');--> statement-breakpoint
CREATE TABLE "download_credentials" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"lab_id" uuid NOT NULL,
	"username" text NOT NULL,
	"ciphertext" text NOT NULL,
	"iv" text NOT NULL,
	"auth_tag" text NOT NULL,
	"key_id" text NOT NULL,
	"keep" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "download_files" (
	"job_id" uuid NOT NULL,
	"path" text NOT NULL,
	"sha256" text NOT NULL,
	"category" "download_file_category" NOT NULL,
	"size" bigint,
	"state" "download_file_state" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"checksum_failures" integer DEFAULT 0 NOT NULL,
	"error" text,
	"lane" integer,
	"claim_token" uuid,
	"retry_after" timestamp with time zone,
	"verified_at" timestamp with time zone,
	CONSTRAINT "download_files_job_id_path_pk" PRIMARY KEY("job_id","path"),
	CONSTRAINT "download_files_sha256_format" CHECK ("download_files"."sha256" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
CREATE TABLE "download_jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"lab_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"dataset_id" uuid NOT NULL,
	"selection" jsonb NOT NULL,
	"description" text NOT NULL,
	"state" "download_job_state" DEFAULT 'preparing' NOT NULL,
	"concurrency" integer DEFAULT 4 NOT NULL,
	"files_total" integer DEFAULT 0 NOT NULL,
	"files_done" integer DEFAULT 0 NOT NULL,
	"files_skipped" integer DEFAULT 0 NOT NULL,
	"files_failed" integer DEFAULT 0 NOT NULL,
	"bytes_estimate" bigint DEFAULT 0 NOT NULL,
	"estimate_exact" boolean DEFAULT false NOT NULL,
	"bytes_done" bigint DEFAULT 0 NOT NULL,
	"bytes_received" bigint DEFAULT 0 NOT NULL,
	"storage_free_at_prepare" bigint,
	"notice" text,
	"error" text,
	"created_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "download_jobs_concurrency_range" CHECK ("download_jobs"."concurrency" between 1 and 8)
);
--> statement-breakpoint
CREATE TABLE "download_lanes" (
	"job_id" uuid NOT NULL,
	"lane" integer NOT NULL,
	"worker" text NOT NULL,
	"current_path" text,
	"bytes_in_flight" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "download_lanes_job_id_lane_pk" PRIMARY KEY("job_id","lane")
);
--> statement-breakpoint
CREATE TABLE "lab_storage_settings" (
	"lab_id" uuid PRIMARY KEY NOT NULL,
	"quota_bytes" bigint,
	"updated_by" uuid,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "lab_storage_quota_positive" CHECK ("lab_storage_settings"."quota_bytes" is null or "lab_storage_settings"."quota_bytes" > 0)
);
--> statement-breakpoint
CREATE TABLE "stored_files" (
	"lab_id" uuid NOT NULL,
	"dataset_id" uuid NOT NULL,
	"path" text NOT NULL,
	"storage_key" text NOT NULL,
	"size" bigint NOT NULL,
	"sha256" text NOT NULL,
	"job_id" uuid,
	"stored_at" timestamp with time zone NOT NULL,
	CONSTRAINT "stored_files_lab_id_dataset_id_path_pk" PRIMARY KEY("lab_id","dataset_id","path")
);
--> statement-breakpoint
ALTER TABLE "download_credentials" ADD CONSTRAINT "download_credentials_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "download_credentials" ADD CONSTRAINT "download_credentials_lab_id_labs_id_fk" FOREIGN KEY ("lab_id") REFERENCES "public"."labs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "download_files" ADD CONSTRAINT "download_files_job_id_download_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."download_jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "download_jobs" ADD CONSTRAINT "download_jobs_lab_id_labs_id_fk" FOREIGN KEY ("lab_id") REFERENCES "public"."labs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "download_jobs" ADD CONSTRAINT "download_jobs_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "download_jobs" ADD CONSTRAINT "download_jobs_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "download_lanes" ADD CONSTRAINT "download_lanes_job_id_download_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."download_jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lab_storage_settings" ADD CONSTRAINT "lab_storage_settings_lab_id_labs_id_fk" FOREIGN KEY ("lab_id") REFERENCES "public"."labs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lab_storage_settings" ADD CONSTRAINT "lab_storage_settings_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stored_files" ADD CONSTRAINT "stored_files_lab_id_labs_id_fk" FOREIGN KEY ("lab_id") REFERENCES "public"."labs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stored_files" ADD CONSTRAINT "stored_files_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stored_files" ADD CONSTRAINT "stored_files_job_id_download_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."download_jobs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "download_files_claim_idx" ON "download_files" USING btree ("job_id","state","path");--> statement-breakpoint
CREATE INDEX "download_jobs_lab_idx" ON "download_jobs" USING btree ("lab_id","created_at");--> statement-breakpoint
CREATE INDEX "download_jobs_user_idx" ON "download_jobs" USING btree ("user_id","state");--> statement-breakpoint
CREATE INDEX "download_jobs_state_idx" ON "download_jobs" USING btree ("state");