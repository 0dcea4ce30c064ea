import "server-only";
import { sql } from "drizzle-orm";
import { now } from "@/lib/clock";
import { getDb } from "@/lib/db/client";
import type { Role } from "@/lib/auth/roles";
import { hashToken, TOKEN_PATTERN } from "./token-secret";

// A pull of thousands of files should write last_used_at once a minute, not once per file.
const TOUCH_EVERY_MS = 60_000;

export type TokenCaller = {
  user: { id: string; email: string; name: string; role: Role; labId: string };
  token: { id: string; name: string; datasetIds: string[] };
};

/** Why a token that exists is not honoured: said in the audit row and, briefly, to the client. */
export type TokenRefusal = { tokenId: string; user: { id: string; email: string; labId: string }; reason: "revoked" | "expired" | "account inactive" };

/**
 * The member behind a bearer token, re-read on every request in one round trip: the token's own
 * revocation and expiry and the owner's account status are checked here; the access rule is asked
 * afterwards, as for a browser. Unknown tokens are `null` (nobody to attribute the attempt to).
 */
export async function findTokenCaller(token: string): Promise<TokenCaller | TokenRefusal | null> {
  if (!TOKEN_PATTERN.test(token)) return null;
  const at = now();
  const touchBefore = new Date(at.getTime() - TOUCH_EVERY_MS);
  const r = await getDb().execute<{
    id: string; name: string; dataset_ids: string[]; revoked: boolean; expired: boolean;
    user_id: string; email: string; user_name: string; role: Role; lab_id: string; active: boolean;
  }>(sql`
    with touched as (
      update api_tokens set last_used_at = ${at}
      where token_hash = ${hashToken(token)} and revoked_at is null and expires_at > ${at}
        and (last_used_at is null or last_used_at < ${touchBefore})
      returning id
    )
    select t.id, t.name, to_json(t.dataset_ids) as dataset_ids, t.revoked_at is not null as revoked, t.expires_at <= ${at} as expired,
      u.id as user_id, u.email, u.name as user_name, u.role, u.lab_id, u.status = 'active' and u.lab_id = t.lab_id as active
    from api_tokens t join users u on u.id = t.user_id
    where t.token_hash = ${hashToken(token)}`);
  const row = r.rows[0];
  if (!row) return null;
  const user = { id: row.user_id, email: row.email, name: row.user_name, role: row.role, labId: row.lab_id };
  if (row.revoked) return { tokenId: row.id, user, reason: "revoked" };
  if (row.expired) return { tokenId: row.id, user, reason: "expired" };
  if (!row.active) return { tokenId: row.id, user, reason: "account inactive" };
  return { user, token: { id: row.id, name: row.name, datasetIds: row.dataset_ids ?? [] } };
}

export function isTokenRefusal(x: TokenCaller | TokenRefusal): x is TokenRefusal {
  return "reason" in x;
}
