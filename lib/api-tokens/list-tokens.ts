import "server-only";
import { and, desc, eq } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { apiTokens, users } from "@/db/schema";
import { now } from "@/lib/clock";
import { getDb } from "@/lib/db/client";

export type TokenListItem = {
  id: string;
  name: string;
  prefix: string;
  datasetIds: string[];
  createdAt: Date;
  expiresAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  state: "active" | "expired" | "revoked";
  owner: { id: string; name: string; email: string };
  revokedByName: string | null;
};

const revoker = alias(users, "revoker");

/** A member's own tokens, or (for a steward, `labWide`) every token of the lab; newest first. */
export async function listTokens(opts: { labId: string; userId?: string; limit?: number }): Promise<TokenListItem[]> {
  const rows = await getDb()
    .select({ t: apiTokens, ownerName: users.name, ownerEmail: users.email, revokedByName: revoker.name })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .leftJoin(revoker, eq(revoker.id, apiTokens.revokedBy))
    .where(and(eq(apiTokens.labId, opts.labId), opts.userId ? eq(apiTokens.userId, opts.userId) : undefined))
    .orderBy(desc(apiTokens.createdAt))
    .limit(opts.limit ?? 500);
  const at = now();
  return rows.map(({ t, ownerName, ownerEmail, revokedByName }) => ({
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    datasetIds: t.datasetIds,
    createdAt: t.createdAt,
    expiresAt: t.expiresAt,
    lastUsedAt: t.lastUsedAt,
    revokedAt: t.revokedAt,
    state: t.revokedAt ? "revoked" : t.expiresAt <= at ? "expired" : "active",
    owner: { id: t.userId, name: ownerName, email: ownerEmail },
    revokedByName,
  }));
}
