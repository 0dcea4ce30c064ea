import "server-only";
import { notifications, notificationKindEnum } from "@/db/schema";
import { now } from "@/lib/clock";
import type { DbOrTx } from "@/lib/db/client";

export type NotificationKind = (typeof notificationKindEnum.enumValues)[number];

export type NewNotification = {
  labId: string;
  userId: string;
  kind: NotificationKind;
  title: string;
  body: string;
  /** An in-app path ("/credentialing"), never an absolute URL. */
  link?: string | null;
  /** Set by recurring jobs so the same warning is given once; a repeat is silently skipped. */
  dedupeKey?: string | null;
};

/**
 * Records an in-app notification in the caller's transaction, so it exists exactly when the change
 * it reports does. Email (when SMTP is configured) is sent afterwards by the worker from these rows,
 * never inside a request's transaction.
 */
export async function notify(tx: DbOrTx, n: NewNotification): Promise<void> {
  await notifyOnce(tx, n);
}

/**
 * notify() that says whether the row was new: false when a notification with the same dedupe key
 * already exists for the user. Jobs use it to do what goes with a warning (an audit row) only once;
 * a concurrent duplicate waits on the unique index and then reports false.
 */
export async function notifyOnce(tx: DbOrTx, n: NewNotification): Promise<boolean> {
  const rows = await tx
    .insert(notifications)
    .values({ labId: n.labId, userId: n.userId, kind: n.kind, title: n.title, body: n.body, link: n.link ?? null, dedupeKey: n.dedupeKey ?? null, createdAt: now() })
    .onConflictDoNothing()
    .returning({ id: notifications.id });
  return rows.length > 0;
}
