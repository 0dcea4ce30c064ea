import "server-only";
import { eq } from "drizzle-orm";
import { physionetAccounts } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import type { CurrentUser } from "@/lib/auth/current-user";
import { now } from "@/lib/clock";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";

/** Records (or corrects) the member's PhysioNet username; one labgate member per PhysioNet account. */
export async function setPhysionetUsername(opts: { actor: CurrentUser; username: string; ip: string | null }): Promise<{ changed: boolean }> {
  return getDb().transaction(async (tx) => {
    const [taken] = await tx.select({ userId: physionetAccounts.userId }).from(physionetAccounts).where(eq(physionetAccounts.username, opts.username)).limit(1);
    if (taken && taken.userId !== opts.actor.id) {
      throw new AppError("conflict", `The PhysioNet account ${opts.username} is already linked to another labgate member; ask a steward if it is yours`, { username: ["Already linked to another member"] });
    }
    const [mine] = await tx.select().from(physionetAccounts).where(eq(physionetAccounts.userId, opts.actor.id)).for("update").limit(1);
    if (mine?.username === opts.username) return { changed: false };
    const at = now();
    if (mine) await tx.update(physionetAccounts).set({ username: opts.username, updatedAt: at }).where(eq(physionetAccounts.userId, opts.actor.id));
    else await tx.insert(physionetAccounts).values({ userId: opts.actor.id, labId: opts.actor.labId, username: opts.username, createdAt: at, updatedAt: at });
    await recordAudit(tx, {
      action: "physionet_account.set",
      labId: opts.actor.labId,
      actor: opts.actor,
      target: { type: "user", id: opts.actor.id },
      ip: opts.ip,
      details: { username: opts.username, previous: mine?.username ?? null },
    });
    return { changed: true };
  });
}
