import { bigserial, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

// Append-only: triggers in the migration refuse UPDATE, DELETE and TRUNCATE for every role.
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    at: timestamp("at", { withTimezone: true }).notNull(),
    labId: uuid("lab_id"),
    actorId: uuid("actor_id"),
    actorEmail: text("actor_email"),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    outcome: text("outcome").notNull(),
    ip: text("ip"),
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull().unique(),
  },
  (t) => [
    index("audit_log_lab_at_idx").on(t.labId, t.at),
    index("audit_log_action_idx").on(t.action),
    index("audit_log_actor_idx").on(t.actorId),
    // One child per row, so the chain cannot fork. On an install whose log already held forks,
    // migration 0009 made it partial (only rows after the migration): history is never rewritten.
    uniqueIndex("audit_log_prev_hash_key").on(t.prevHash),
  ],
);
