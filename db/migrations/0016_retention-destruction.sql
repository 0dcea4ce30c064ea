-- Retention and destruction of a lab's copy of a dataset version (docs/decisions/021).
ALTER TYPE "public"."notification_kind" ADD VALUE IF NOT EXISTS 'retention_due';
--> statement-breakpoint
CREATE TYPE "public"."destruction_status" AS ENUM('requested', 'confirmed', 'done', 'cancelled');
--> statement-breakpoint
CREATE TABLE "dataset_destructions" (
  "id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
  "lab_id" uuid NOT NULL REFERENCES "labs" ("id"),
  "dataset_id" uuid NOT NULL REFERENCES "datasets" ("id"),
  "status" "destruction_status" DEFAULT 'requested' NOT NULL,
  "held_since" timestamp with time zone NOT NULL,
  "retention_days" integer,
  "requested_by" uuid NOT NULL REFERENCES "users" ("id"),
  "requested_at" timestamp with time zone NOT NULL,
  "confirmed_by" uuid REFERENCES "users" ("id"),
  "confirmed_at" timestamp with time zone,
  "listed_at" timestamp with time zone,
  "file_count" bigint,
  "bytes" bigint,
  "list_sha256" text,
  "storage_backend" text,
  "shared_copy_kept" boolean DEFAULT false NOT NULL,
  "kept_paths" text[] DEFAULT '{}'::text[] NOT NULL,
  "destroyed_at" timestamp with time zone,
  "audit_id" bigint,
  "audit_hash" text,
  "error" text,
  CONSTRAINT "dataset_destructions_four_eyes" CHECK ("confirmed_by" IS NULL OR "confirmed_by" <> "requested_by"),
  CONSTRAINT "dataset_destructions_done_has_record" CHECK ("status" <> 'done' OR ("destroyed_at" IS NOT NULL AND "list_sha256" IS NOT NULL AND "audit_id" IS NOT NULL))
);
--> statement-breakpoint
CREATE UNIQUE INDEX "dataset_destructions_open_idx" ON "dataset_destructions" ("lab_id", "dataset_id") WHERE "status" in ('requested', 'confirmed');
--> statement-breakpoint
CREATE INDEX "dataset_destructions_lab_idx" ON "dataset_destructions" ("lab_id", "requested_at");
--> statement-breakpoint
CREATE TABLE "dataset_destruction_files" (
  "destruction_id" uuid NOT NULL REFERENCES "dataset_destructions" ("id") ON DELETE CASCADE,
  "path" text NOT NULL,
  "size" bigint NOT NULL,
  "deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "dataset_destruction_files_pk" ON "dataset_destruction_files" ("destruction_id", "path");
