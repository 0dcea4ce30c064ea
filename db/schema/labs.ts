import { pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

export const labs = pgTable("labs", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  slug: text("slug").notNull().unique(),
  // Shown on attestations and the admin page; null for labs created before first-run setup existed.
  institution: text("institution"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

// One-time tokens for the first-run page while no user exists; only the SHA-256 is kept, so the
// console that printed the token is the only place it ever existed in clear.
export const setupTokens = pgTable("setup_tokens", {
  tokenHash: text("token_hash").primaryKey(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  usedAt: timestamp("used_at", { withTimezone: true }),
});
