import { index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { labs } from "./labs";
import { users } from "./users";

/**
 * Personal access tokens for the HTTP API (docs/decisions/028-api-tokens.md). Only the token's
 * SHA-256 is stored; the token itself is shown once, at creation. Every request re-reads this row
 * and the owner, so revocation, suspension and expiry take effect on the next request.
 */
export const apiTokens = pgTable(
  "api_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    labId: uuid("lab_id").notNull().references(() => labs.id),
    userId: uuid("user_id").notNull().references(() => users.id),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    prefix: text("prefix").notNull(),
    scope: text("scope", { enum: ["read"] }).notNull().default("read"),
    // Empty: every dataset version the member may read; otherwise only these.
    datasetIds: uuid("dataset_ids").array().notNull().default([]),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    revokedBy: uuid("revoked_by").references(() => users.id),
  },
  (t) => [index("api_tokens_lab_idx").on(t.labId, t.createdAt), index("api_tokens_user_idx").on(t.userId, t.createdAt)],
);
