import "server-only";
import { and, count, desc, eq, inArray, isNull } from "drizzle-orm";
import { z } from "zod";
import { notifications } from "@/db/schema";
import { now } from "@/lib/clock";
import { getDb } from "@/lib/db/client";
import { uuidSchema } from "@/lib/validation";
import type { NotificationKind } from "./notify";

// A member's own notifications. Every query is scoped by the signed-in user's id and lab, so one
// member can neither see nor mark anyone else's.

type Owner = { userId: string; labId: string };

export type NotificationItem = {
  id: string;
  kind: NotificationKind;
  title: string;
  body: string;
  link: string | null;
  createdAt: Date;
  readAt: Date | null;
};

const mine = (o: Owner) => and(eq(notifications.userId, o.userId), eq(notifications.labId, o.labId));

export async function listNotifications(opts: Owner & { limit?: number }): Promise<NotificationItem[]> {
  return getDb()
    .select({ id: notifications.id, kind: notifications.kind, title: notifications.title, body: notifications.body, link: notifications.link, createdAt: notifications.createdAt, readAt: notifications.readAt })
    .from(notifications)
    .where(mine(opts))
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(Math.min(Math.max(opts.limit ?? 100, 1), 500));
}

export async function countUnread(opts: Owner): Promise<number> {
  const [row] = await getDb().select({ n: count() }).from(notifications).where(and(mine(opts), isNull(notifications.readAt)));
  return row?.n ?? 0;
}

/** Marks the given notifications read; ids that are not the caller's are ignored. */
export async function markRead(opts: Owner & { ids: readonly string[] }): Promise<{ marked: number }> {
  if (opts.ids.length === 0) return { marked: 0 };
  const rows = await getDb()
    .update(notifications)
    .set({ readAt: now() })
    .where(and(mine(opts), isNull(notifications.readAt), inArray(notifications.id, [...opts.ids])))
    .returning({ id: notifications.id });
  return { marked: rows.length };
}

export async function markAllRead(opts: Owner): Promise<{ marked: number }> {
  const rows = await getDb()
    .update(notifications)
    .set({ readAt: now() })
    .where(and(mine(opts), isNull(notifications.readAt)))
    .returning({ id: notifications.id });
  return { marked: rows.length };
}

/** The body of POST /api/notifications/read: some of one's notifications, or all of them. */
export const markReadSchema = z
  .object({
    ids: z.array(uuidSchema, { error: "ids must be a list of notification ids" }).min(1, "Give at least one notification").max(200, "At most 200 at a time").optional(),
    all: z.literal(true, { error: "all must be true" }).optional(),
  })
  .refine((v) => (v.ids === undefined) !== (v.all === undefined), { error: "Give either the notifications to mark read (ids) or all: true" });
