import "server-only";
import { recordAudit } from "@/lib/audit/record";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { consumeRateLimit, refundRateLimit } from "./consume";
import { limitKey, type NamedRule } from "./rules";

/** "30 seconds", "1 minute", "15 minutes": how long the person waits, rounded up. */
export function waitText(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

export function tooManyAttempts(rule: NamedRule, retryAfterSeconds: number): AppError {
  return new AppError("too_many_requests", `Too many ${rule.what}. Try again in ${waitText(retryAfterSeconds)}.`, undefined, retryAfterSeconds);
}

export type LimitCheck = { rule: NamedRule; subject: string };
export type RefusalAudit = { labId?: string | null; actor?: { id: string; email: string } | null; actorEmail?: string | null; ip: string | null; details?: Record<string, unknown> };

/**
 * Counts one attempt against each check, in order, and throws a 429 AppError (Retry-After) at the
 * first that refuses, after writing its audit row (outcome "denied", action rate_limit.<action>).
 * Attempts counted before the refusing check stay counted: a refused attempt is still an attempt.
 */
export async function enforceRateLimits(checks: LimitCheck[], audit: RefusalAudit): Promise<void> {
  for (const { rule, subject } of checks) {
    const result = await consumeRateLimit({ key: limitKey(rule, subject), limit: rule.limit, windowSeconds: rule.windowSeconds, maxBlockSeconds: rule.maxBlockSeconds });
    if (result.allowed) continue;
    await getDb().transaction((tx) =>
      recordAudit(tx, {
        action: `rate_limit.${rule.action}`,
        outcome: "denied",
        labId: audit.labId ?? null,
        actor: audit.actor ?? null,
        actorEmail: audit.actorEmail ?? null,
        ip: audit.ip,
        details: { ...audit.details, limit: rule.name, retryAfterSeconds: result.retryAfterSeconds },
      }),
    );
    throw tooManyAttempts(rule, result.retryAfterSeconds);
  }
}

/** Gives each check its attempt back: the attempt succeeded, and only failures count. */
export async function refundRateLimits(checks: LimitCheck[]): Promise<void> {
  for (const { rule, subject } of checks) await refundRateLimit({ key: limitKey(rule, subject) });
}
