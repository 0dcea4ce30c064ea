import { index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { labs } from "./labs";
import { roleEnum, users } from "./users";

export const invites = pgTable(
  "invites",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    labId: uuid("lab_id").notNull().references(() => labs.id),
    email: text("email").notNull(),
    role: roleEnum("role").notNull(),
    // Only a SHA-256 of the token is kept: a database dump must not hand out working invite links.
    tokenHash: text("token_hash").notNull().unique(),
    invitedBy: uuid("invited_by").notNull().references(() => users.id),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    acceptedAt: timestamp("accepted_at", { withTimezone: true }),
    acceptedUserId: uuid("accepted_user_id").references(() => users.id),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("invites_lab_idx").on(t.labId)],
);
