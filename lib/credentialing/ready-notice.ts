import "server-only";
import { and, eq, inArray } from "drizzle-orm";
import { users } from "@/db/schema";
import { now } from "@/lib/clock";
import type { DbOrTx } from "@/lib/db/client";
import { notify } from "@/lib/notifications/notify";
import { matrixCell } from "./matrix-view";
import { memberChecklist } from "./member-access";

/**
 * After a steward accepts a member's step, tells the lab's stewards when that member now waits only
 * for approval, for which versions. Runs in the accepting transaction, so the notice exists exactly
 * when the acceptance does; the dedupe key gives one notice per member, version and readiness.
 */
export async function notifyReadyForApproval(tx: DbOrTx, opts: { labId: string; userId: string; memberName: string }): Promise<string[]> {
  const checklist = await memberChecklist(tx, { labId: opts.labId, userId: opts.userId, now: now() });
  const ready = checklist.filter((c) => matrixCell(c.decision, null).state === "awaiting_approval");
  if (ready.length === 0) return [];
  const labels = ready.map((c) => `${c.dataset.slug} ${c.dataset.version}`);
  const stewards = await tx
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.labId, opts.labId), eq(users.status, "active"), inArray(users.role, ["steward", "admin"])));
  const key = `ready-for-approval:${opts.userId}:${ready.map((c) => c.dataset.id).sort().join(",")}:${now().toISOString().slice(0, 10)}`;
  for (const s of stewards) {
    if (s.id === opts.userId) continue;
    await notify(tx, {
      labId: opts.labId,
      userId: s.id,
      kind: "review_requested",
      title: `Ready for approval: ${opts.memberName}`,
      body: `${opts.memberName} has done every step for ${labels.join(", ")}; only a steward's approval is missing.`,
      link: "/stewardship/queue",
      dedupeKey: key,
    });
  }
  return labels;
}
