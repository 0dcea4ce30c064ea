import "server-only";
import { eq, sql } from "drizzle-orm";
import { physionetAccounts } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import type { CurrentUser } from "@/lib/auth/current-user";
import { now } from "@/lib/clock";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";

function alreadyLinked(username: string): AppError {
  return new AppError("conflict", `The PhysioNet account ${username} is already linked to another labgate member; ask a steward if it is yours`, { username: ["Already linked to another member"] });
}

/**
 * Records (or corrects) the member's PhysioNet username. A PhysioNet account belongs to one labgate
 * member of the whole installation, whatever the case it is typed in: the unique index on
 * lower(username) (migration 0011) is the guarantee, and the locks below make two members racing
 * for one name get a clear 409 rather than a failed insert.
 */
export async function setPhysionetUsername(opts: { actor: CurrentUser; username: string; ip: string | null }): Promise<{ changed: boolean }> {
  const username = opts.username.trim().toLowerCase();
  try {
    return await getDb().transaction(async (tx) => {
      // The member first, then the name: one member's changes run one at a time, and no two
      // transactions wait on each other in opposite orders.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`physionet_member:${opts.actor.id}`}))`);
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`physionet_account:${username}`}))`);
      const [taken] = await tx.select({ userId: physionetAccounts.userId }).from(physionetAccounts).where(eq(sql`lower(${physionetAccounts.username})`, username)).limit(1);
      if (taken && taken.userId !== opts.actor.id) throw alreadyLinked(username);
      const [mine] = await tx.select().from(physionetAccounts).where(eq(physionetAccounts.userId, opts.actor.id)).for("update").limit(1);
      if (mine?.username === username) return { changed: false };
      const at = now();
      if (mine) await tx.update(physionetAccounts).set({ username, updatedAt: at }).where(eq(physionetAccounts.userId, opts.actor.id));
      else await tx.insert(physionetAccounts).values({ userId: opts.actor.id, labId: opts.actor.labId, username, createdAt: at, updatedAt: at });
      await recordAudit(tx, {
        action: "physionet_account.set",
        labId: opts.actor.labId,
        actor: opts.actor,
        target: { type: "user", id: opts.actor.id },
        ip: opts.ip,
        details: { username, previous: mine?.username ?? null },
      });
      return { changed: true };
    });
  } catch (e) {
    // The index is the last word (e.g. a row written around this function); its refusal is the same 409.
    if (uniqueViolation(e) === "physionet_accounts_username_key") throw alreadyLinked(username);
    throw e;
  }
}

function uniqueViolation(e: unknown): string | null {
  for (let err = e; err instanceof Error; err = err.cause) {
    const pg = err as Error & { code?: string; constraint?: string };
    if (pg.code === "23505") return pg.constraint ?? null;
  }
  return null;
}
