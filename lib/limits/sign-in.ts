import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";
import { isAppError } from "@/lib/http/errors";
import { enforceRateLimits, refundRateLimits, type LimitCheck } from "./enforce";
import { limitKey, RULES } from "./rules";
import { resetRateLimit } from "./consume";

// Password sign-in: each attempt is counted before the password is checked (so parallel guesses
// cannot all slip past a check-then-count), and a success gives it back: only failures add up.
// The address is checked first, then the account; a blocked account refuses the right password too.

function checks(opts: { email: string; ip: string | null }): LimitCheck[] {
  return [...(opts.ip ? [{ rule: RULES.signInIp, subject: opts.ip }] : []), { rule: RULES.signInAccount, subject: opts.email }];
}

/** Throws a 429 AppError (audited as rate_limit.sign_in) when this attempt may not be made. */
export async function beginSignInAttempt(opts: { email: string; ip: string | null }): Promise<void> {
  try {
    await enforceRateLimits(checks(opts), { actorEmail: opts.email.toLowerCase(), ip: opts.ip, details: { method: "password" } });
  } catch (e) {
    if (isAppError(e) && e.retryAfterSeconds !== undefined) noteSignInRefusal(e.retryAfterSeconds);
    throw e;
  }
}

/** After a successful sign-in: the account's count starts over, and the address gets its attempt back. */
export async function endSignInAttempt(opts: { email: string; ip: string | null }): Promise<void> {
  await resetRateLimit({ key: limitKey(RULES.signInAccount, opts.email) });
  if (opts.ip) await refundRateLimits([{ rule: RULES.signInIp, subject: opts.ip }]);
}

// next-auth turns an error thrown by authorize() into its own 401 (or a redirect); the sign-in route
// runs next-auth inside this store so a refusal by a limit can leave as 429 with Retry-After.
const refusals = new AsyncLocalStorage<{ retryAfterSeconds?: number }>();

function noteSignInRefusal(retryAfterSeconds: number): void {
  const state = refusals.getStore();
  if (state) state.retryAfterSeconds = retryAfterSeconds;
}

/**
 * Runs next-auth's handler; when a limit refused the sign-in, its JSON answer (what the login form
 * reads) becomes a 429 with Retry-After, its message unchanged. A redirect (a form posted without
 * scripts) stays a redirect, so the browser still lands on the login page with the message.
 */
export async function withSignInLimitStatus(run: () => Promise<Response>): Promise<Response> {
  const state: { retryAfterSeconds?: number } = {};
  const res = await refusals.run(state, run);
  if (state.retryAfterSeconds === undefined) return res;
  const headers = new Headers(res.headers);
  headers.set("Retry-After", String(state.retryAfterSeconds));
  const redirect = res.status >= 300 && res.status < 400;
  return new Response(res.body, { status: redirect ? res.status : 429, headers });
}
