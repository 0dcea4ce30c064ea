import "server-only";
import { recordAudit } from "@/lib/audit/record";
import type { CurrentUser } from "@/lib/auth/current-user";
import type { CallerToken } from "@/lib/auth/request-caller";
import { getDb } from "@/lib/db/client";

/**
 * One audit row per API read, written before any data leaves, naming the token when one was used
 * (a browser session has none): the DUA asks who read what, and through which credential.
 */
export async function auditApiRead(opts: {
  action: string;
  user: CurrentUser;
  token: CallerToken | null;
  ip: string | null;
  target?: { type: string; id: string };
  details?: Record<string, unknown>;
}): Promise<void> {
  await recordAudit(getDb(), {
    action: opts.action,
    labId: opts.user.labId,
    actor: opts.user,
    ip: opts.ip,
    target: opts.target ?? null,
    details: { ...(opts.details ?? {}), ...(opts.token ? { tokenId: opts.token.id } : {}), via: opts.token ? "token" : "session" },
  });
}

export const NO_STORE = { "cache-control": "no-store, private", pragma: "no-cache", vary: "Cookie, Authorization" } as const;
