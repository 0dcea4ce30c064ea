import "server-only";
import { and, eq, isNull, ne } from "drizzle-orm";
import { userSessions } from "@/db/schema";
import { now } from "@/lib/clock";
import type { Tx } from "@/lib/db/client";

/**
 * Ends the open sessions of a user after a password change or reset, inside its transaction:
 * whoever knew the old password (or held a cookie) is out the moment the new one is set.
 * `keep` is the session that changed the password.
 */
export async function endSessionsForNewPassword(tx: Tx, opts: { userId: string; keep?: string; reason: "password_change" | "password_reset" }): Promise<number> {
  const ended = await tx
    .update(userSessions)
    .set({ endedAt: now(), endedReason: opts.reason })
    .where(and(eq(userSessions.userId, opts.userId), isNull(userSessions.endedAt), opts.keep ? ne(userSessions.id, opts.keep) : undefined))
    .returning({ id: userSessions.id });
  return ended.length;
}
