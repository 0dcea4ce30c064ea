import "server-only";
import { recordAudit } from "@/lib/audit/record";
import { findTokenCaller, isTokenRefusal } from "@/lib/api-tokens/find-token-caller";
import { bearerTokenOf } from "@/lib/api-tokens/token-secret";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { noteRequestUser, REQUEST_ID_HEADER } from "@/lib/log/request-log";
import { requireUser, type CurrentUser } from "./current-user";

export type CallerToken = { id: string; name: string; datasetIds: string[] };
/** Who is asking: a browser session (token null) or a personal access token of that member. */
export type Caller = { user: CurrentUser; token: CallerToken | null };

const REFUSED_HERE = "Access tokens are not accepted here: this needs a signed-in browser session (tokens only read data through /api/v1)";

/**
 * The one place a bearer token becomes a user (decision 028). A request without an Authorization
 * header is a browser's and goes through requireUser. A token is honoured only where the route says
 * so (`route({ tokens: true })`, reads only); anywhere else it is refused outright, never silently
 * ignored, so a script cannot reach steward, admin, audit or session-only routes with one. A token
 * that exists but is revoked, expired or whose owner is no longer active is refused and audited.
 */
export async function requireCaller(opts: { headers: Headers; method: string; tokens: boolean; ip: string | null }): Promise<Caller> {
  const bearer = bearerTokenOf(opts.headers);
  if (bearer === null) return { user: await requireUser(), token: null };
  if (bearer === "malformed") throw new AppError("unauthorized", "The Authorization header must be \"Bearer <token>\"");
  const found = await findTokenCaller(bearer);
  // An unknown token names nobody: refused without an audit row, so guessing cannot flood the log.
  if (!found) throw new AppError("unauthorized", "This access token is not valid");
  if (isTokenRefusal(found)) {
    await recordAudit(getDb(), { action: "token.use", outcome: "denied", labId: found.user.labId, actor: found.user, ip: opts.ip, target: { type: "api_token", id: found.tokenId }, details: { tokenId: found.tokenId, reason: found.reason } });
    throw new AppError("unauthorized", `This access token is ${found.reason === "account inactive" ? "of an account that is no longer active" : found.reason}`);
  }
  if (!opts.tokens || (opts.method !== "GET" && opts.method !== "HEAD")) {
    await recordAudit(getDb(), { action: "token.use", outcome: "denied", labId: found.user.labId, actor: found.user, ip: opts.ip, target: { type: "api_token", id: found.token.id }, details: { tokenId: found.token.id, reason: "route does not accept tokens" } });
    throw new AppError("unauthorized", REFUSED_HERE);
  }
  noteRequestUser(opts.headers.get(REQUEST_ID_HEADER), found.user.id, "token");
  return found;
}

/** Spread into an audit row's details: which token made the request, if one did. */
export function tokenDetails(token: CallerToken | null): { tokenId?: string } {
  return token ? { tokenId: token.id } : {};
}
