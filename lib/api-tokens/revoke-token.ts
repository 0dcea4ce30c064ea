import "server-only";
import { and, eq, isNull } from "drizzle-orm";
import { apiTokens } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import type { CurrentUser } from "@/lib/auth/current-user";
import { roleAtLeast } from "@/lib/auth/roles";
import { now } from "@/lib/clock";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { uuidSchema } from "@/lib/validation";

/**
 * Revokes a token: the owner's own, or any token of the lab for a steward or admin (a leaked token
 * must be stoppable by whoever sees the leak). Scoped in the UPDATE itself, so a token of another
 * lab or another member is "not found", never revoked.
 */
export async function revokeApiToken(opts: { actor: CurrentUser; tokenId: string; ip: string | null }): Promise<{ revoked: true }> {
  if (!uuidSchema.safeParse(opts.tokenId).success) throw new AppError("not_found", "No such token");
  const steward = roleAtLeast(opts.actor.role, "steward");
  return getDb().transaction(async (tx) => {
    const [row] = await tx
      .update(apiTokens)
      .set({ revokedAt: now(), revokedBy: opts.actor.id })
      .where(and(eq(apiTokens.id, opts.tokenId), eq(apiTokens.labId, opts.actor.labId), steward ? undefined : eq(apiTokens.userId, opts.actor.id), isNull(apiTokens.revokedAt)))
      .returning({ id: apiTokens.id, userId: apiTokens.userId, name: apiTokens.name });
    if (!row) throw new AppError("not_found", "No such active token");
    await recordAudit(tx, {
      action: "token.revoke",
      labId: opts.actor.labId,
      actor: opts.actor,
      ip: opts.ip,
      target: { type: "api_token", id: row.id },
      details: { name: row.name, ownerId: row.userId, byOwner: row.userId === opts.actor.id },
    });
    return { revoked: true as const };
  });
}
