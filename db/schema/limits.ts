import { integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

// Rate limits live in PostgreSQL so every app instance counts against the same numbers; one row per
// limited key (e.g. "sign_in:account:ana@lab.org"), updated by one atomic upsert (lib/limits/).
export const rateLimits = pgTable("rate_limits", {
  key: text("key").primaryKey(),
  // Fixed window: `hits` attempts counted since `window_started_at`.
  windowStartedAt: timestamp("window_started_at", { withTimezone: true }).notNull(),
  hits: integer("hits").notNull(),
  // Set when the limit was exceeded; every attempt before it is refused.
  blockedUntil: timestamp("blocked_until", { withTimezone: true }),
  // Consecutive blocks: each one lasts twice the last (exponential backoff), up to the rule's cap.
  strikes: integer("strikes").notNull().default(0),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
});
