import { sql } from "drizzle-orm";
import { index, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { users } from "./users";

/**
 * One row per signed-in browser. The session cookie (a JWT) names its row; the auth chokepoint
 * accepts the cookie only while the row is open, so ending the row (sign-out, deactivation, a
 * person ending their other sessions, an admin ending all of them) ends the cookie at once.
 */
export const userSessions = pgTable(
  "user_sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id").notNull().references(() => users.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    // Refreshed at most once a minute, so a burst of image requests writes one row, not sixty.
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
    ip: text("ip"),
    userAgent: text("user_agent"),
    endedAt: timestamp("ended_at", { withTimezone: true }),
    // sign_out | ended_by_user | ended_by_admin | deactivated
    endedReason: text("ended_reason"),
  },
  (t) => [index("user_sessions_open_by_user_idx").on(t.userId).where(sql`${t.endedAt} is null`)],
);

/**
 * The OpenID Connect identity (issuer + subject) a labgate account was linked to at its first
 * institutional sign-in. Afterwards the account is found by these two, never by the email claim.
 */
export const userIdentities = pgTable(
  "user_identities",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id").notNull().references(() => users.id),
    issuer: text("issuer").notNull(),
    subject: text("subject").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("user_identities_issuer_subject_idx").on(t.issuer, t.subject),
    // One subject per issuer per account: a second subject claiming the same email is an impostor.
    uniqueIndex("user_identities_user_issuer_idx").on(t.userId, t.issuer),
  ],
);
