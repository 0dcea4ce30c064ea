-- Server-side sessions: the session cookie names a row here and is honoured only while the row is
-- open, so sign-out and deactivation end a cookie at once (decision 018). They replace the
-- per-user session version, which could only end every session of a person together.
CREATE TABLE "user_sessions" (
  "id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
  "user_id" uuid NOT NULL REFERENCES "users"("id"),
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  "last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
  "ip" text,
  "user_agent" text,
  "ended_at" timestamp with time zone,
  "ended_reason" text
);
--> statement-breakpoint
CREATE INDEX "user_sessions_open_by_user_idx" ON "user_sessions" ("user_id") WHERE "ended_at" is null;
--> statement-breakpoint
-- OpenID Connect identities: found by (issuer, subject), never by the email claim once linked.
CREATE TABLE "user_identities" (
  "id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
  "user_id" uuid NOT NULL REFERENCES "users"("id"),
  "issuer" text NOT NULL,
  "subject" text NOT NULL,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "user_identities_issuer_subject_idx" ON "user_identities" ("issuer", "subject");
--> statement-breakpoint
CREATE UNIQUE INDEX "user_identities_user_issuer_idx" ON "user_identities" ("user_id", "issuer");
--> statement-breakpoint
ALTER TABLE "users" DROP COLUMN "session_version";
