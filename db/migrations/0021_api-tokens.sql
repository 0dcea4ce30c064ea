-- Personal access tokens for labgate's HTTP API (decision 028). Only a SHA-256 of the token is kept,
-- so a database dump hands out no working token; `prefix` is the first characters of the token, shown
-- in lists so a person can tell their tokens apart. Read-only is the only scope there is; an empty
-- dataset_ids means every dataset version the member may read (the access rule still decides).
CREATE TABLE "api_tokens" (
  "id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
  "lab_id" uuid NOT NULL REFERENCES "labs"("id"),
  "user_id" uuid NOT NULL REFERENCES "users"("id"),
  "name" text NOT NULL,
  "token_hash" text NOT NULL UNIQUE,
  "prefix" text NOT NULL,
  "scope" text NOT NULL DEFAULT 'read',
  "dataset_ids" uuid[] NOT NULL DEFAULT '{}',
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  "expires_at" timestamp with time zone NOT NULL,
  "last_used_at" timestamp with time zone,
  "revoked_at" timestamp with time zone,
  "revoked_by" uuid REFERENCES "users"("id"),
  CONSTRAINT "api_tokens_scope_read" CHECK ("scope" = 'read'),
  CONSTRAINT "api_tokens_hash_format" CHECK ("token_hash" ~ '^[0-9a-f]{64}$'),
  CONSTRAINT "api_tokens_expiry_after_creation" CHECK ("expires_at" > "created_at")
);
--> statement-breakpoint
CREATE INDEX "api_tokens_lab_idx" ON "api_tokens" ("lab_id", "created_at");
--> statement-breakpoint
CREATE INDEX "api_tokens_user_idx" ON "api_tokens" ("user_id", "created_at");
