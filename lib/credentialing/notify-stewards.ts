import "server-only";
import { and, eq, inArray } from "drizzle-orm";
import { users } from "@/db/schema";
import type { DbOrTx } from "@/lib/db/client";
import { notify } from "@/lib/notifications/notify";

/** Tells every active steward and admin of the lab that something waits in the review queue. */
export async function notifyStewards(tx: DbOrTx, opts: { labId: string; title: string; body: string; link?: string }): Promise<void> {
  const stewards = await tx
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.labId, opts.labId), eq(users.status, "active"), inArray(users.role, ["steward", "admin"])));
  for (const s of stewards) await notify(tx, { labId: opts.labId, userId: s.id, kind: "review_requested", title: opts.title, body: opts.body, link: opts.link ?? "/stewardship/queue" });
}
