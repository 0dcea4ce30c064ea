import { integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

// One row per running worker process, beaten every 30 s: `npm run doctor` and the admin page tell a
// stopped worker (no expiry sweep, no mail, no downloads) from a quiet one.
export const workerHeartbeats = pgTable("worker_heartbeats", {
  workerId: text("worker_id").primaryKey(),
  host: text("host").notNull(),
  pid: integer("pid").notNull(),
  startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
  beatAt: timestamp("beat_at", { withTimezone: true }).notNull(),
});
