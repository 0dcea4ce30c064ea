-- PhysioNet's cloud mirrors (decision 032). A member's cloud identity per dataset version (the AWS
-- account / IAM user, or the Google account, PhysioNet granted), the evidence of the last "Verify
-- with the mirror", and the member's key pair sealed like the PhysioNet password (AES-256-GCM, key
-- outside the database) while a job needs it or the member keeps it.
CREATE TABLE "cloud_identities" (
  "id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
  "lab_id" uuid NOT NULL REFERENCES "labs"("id"),
  "user_id" uuid NOT NULL REFERENCES "users"("id"),
  "dataset_id" uuid NOT NULL REFERENCES "datasets"("id"),
  "provider" text NOT NULL,
  "identity" text NOT NULL,
  "keys_ciphertext" text,
  "keys_iv" text,
  "keys_auth_tag" text,
  "keys_key_id" text,
  "keep_keys" boolean DEFAULT false NOT NULL,
  "verified_outcome" text,
  "verified_status" integer,
  "verified_at" timestamp with time zone,
  "created_at" timestamp with time zone NOT NULL,
  "updated_at" timestamp with time zone NOT NULL,
  CONSTRAINT "cloud_identities_provider" CHECK ("provider" IN ('aws', 'gcs')),
  CONSTRAINT "cloud_identities_keys_whole" CHECK (("keys_ciphertext" IS NULL) = ("keys_key_id" IS NULL))
);
--> statement-breakpoint
CREATE UNIQUE INDEX "cloud_identities_member_dataset" ON "cloud_identities" ("user_id", "dataset_id");
--> statement-breakpoint
ALTER TABLE "download_jobs" ADD COLUMN "source" text DEFAULT 'physionet' NOT NULL;
--> statement-breakpoint
ALTER TABLE "download_jobs" ADD CONSTRAINT "download_jobs_source" CHECK ("source" IN ('physionet', 'mirror'));
--> statement-breakpoint
ALTER TABLE "download_jobs" ADD COLUMN "cloud_identity_id" uuid REFERENCES "cloud_identities"("id");
