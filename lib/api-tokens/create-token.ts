import "server-only";
import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { apiTokens, labDatasets } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import type { CurrentUser } from "@/lib/auth/current-user";
import { now } from "@/lib/clock";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { storableTextSchema } from "@/lib/validation";
import { displayPrefix, generateToken, hashToken } from "./token-secret";

export const MAX_TOKEN_DAYS = 90;

export const createTokenSchema = z.object({
  name: storableTextSchema.trim().min(1, "Give the token a name").max(80, "Keep the name under 80 characters"),
  expiresInDays: z.number({ error: "Choose how long the token lasts" }).int().min(1, "A token lasts at least one day").max(MAX_TOKEN_DAYS, `A token lasts at most ${MAX_TOKEN_DAYS} days`),
  // Empty: every dataset version the member may read.
  datasetIds: z.array(z.uuid({ error: "Not a valid dataset id" })).max(50).default([]),
});

export type CreatedToken = { id: string; token: string; name: string; prefix: string; expiresAt: Date; datasetIds: string[] };

/**
 * A new read-only token for the member themself. The token is returned here once and never again:
 * only its SHA-256 is kept.
 */
export async function createApiToken(opts: { actor: CurrentUser; input: z.infer<typeof createTokenSchema>; ip: string | null }): Promise<CreatedToken> {
  const datasetIds = [...new Set(opts.input.datasetIds)];
  if (datasetIds.length > 0) {
    const held = await getDb()
      .select({ id: labDatasets.datasetId })
      .from(labDatasets)
      .where(and(eq(labDatasets.labId, opts.actor.labId), inArray(labDatasets.datasetId, datasetIds)));
    if (held.length !== datasetIds.length) throw new AppError("bad_request", "A token can only be limited to dataset versions your lab holds");
  }
  const token = generateToken();
  const at = now();
  const expiresAt = new Date(at.getTime() + opts.input.expiresInDays * 86_400_000);
  return getDb().transaction(async (tx) => {
    const [row] = await tx
      .insert(apiTokens)
      .values({ labId: opts.actor.labId, userId: opts.actor.id, name: opts.input.name, tokenHash: hashToken(token), prefix: displayPrefix(token), datasetIds, createdAt: at, expiresAt })
      .returning({ id: apiTokens.id });
    await recordAudit(tx, {
      action: "token.create",
      labId: opts.actor.labId,
      actor: opts.actor,
      ip: opts.ip,
      target: { type: "api_token", id: row!.id },
      details: { name: opts.input.name, expiresAt: expiresAt.toISOString(), scope: "read", datasetIds },
    });
    return { id: row!.id, token, name: opts.input.name, prefix: displayPrefix(token), expiresAt, datasetIds };
  });
}
