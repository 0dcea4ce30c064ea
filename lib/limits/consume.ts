import "server-only";
import { eq, lt, sql } from "drizzle-orm";
import { rateLimits } from "@/db/schema";
import { now } from "@/lib/clock";
import { getDb, type Db } from "@/lib/db/client";

/**
 * A limit: at most `limit` attempts per fixed window of `windowSeconds`. The attempt past the limit
 * starts a block of one window; each further block within `maxBlockSeconds` of the last one lasts
 * twice as long (exponential backoff), up to `maxBlockSeconds`. Every attempt during a block is refused.
 */
export type RateLimitRule = { limit: number; windowSeconds: number; maxBlockSeconds?: number };
export type RateLimitResult = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

// Rows untouched this long are forgotten: longer than any block, so no refusal is cut short.
const FORGET_AFTER_SECONDS = 2 * 86_400;

/**
 * Counts one attempt against `key` and says whether it may go ahead. One INSERT ... ON CONFLICT DO
 * UPDATE: PostgreSQL locks the row for the update and evaluates it against the latest committed
 * version, so of N concurrent callers exactly `limit` are allowed, on any number of app instances.
 * `db` is a pool (another app instance's, in tests), never a transaction: the row lock would be held to its end.
 */
export async function consumeRateLimit(opts: RateLimitRule & { key: string; db?: Db }): Promise<RateLimitResult> {
  const { key, limit, windowSeconds } = opts;
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`rate limit ${key}: limit must be a positive integer`);
  const maxBlock = Math.max(opts.maxBlockSeconds ?? windowSeconds, windowSeconds);
  const at = now();
  const t = sql`${at.toISOString()}::timestamptz`;
  const seconds = (n: unknown) => sql`make_interval(secs => ${n})`;
  // The old row is `rate_limits`; every expression below reads it, none reads another's result.
  const blocked = sql`(rate_limits.blocked_until IS NOT NULL AND rate_limits.blocked_until > ${t})`;
  const inWindow = sql`(rate_limits.window_started_at > ${t} - ${seconds(windowSeconds)})`;
  const nextHits = sql`(CASE WHEN ${inWindow} THEN rate_limits.hits + 1 ELSE 1 END)`;
  const over = sql`(NOT ${blocked} AND ${nextHits} > ${limit})`;
  // Strikes are forgiven once the last block ended more than maxBlock ago.
  const strikes = sql`(CASE WHEN rate_limits.blocked_until IS NULL OR rate_limits.blocked_until <= ${t} - ${seconds(maxBlock)} THEN 0 ELSE rate_limits.strikes END)`;
  const blockEnds = sql`(${t} + ${seconds(sql`LEAST(${windowSeconds}::float8 * power(2, ${strikes}), ${maxBlock}::float8)`)})`;
  const [row] = await (opts.db ?? getDb())
    .insert(rateLimits)
    .values({ key, windowStartedAt: at, hits: 1, blockedUntil: null, strikes: 0, updatedAt: at })
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        // A block restarts the count: after it, the full allowance again (and a longer block past it).
        hits: sql`CASE WHEN ${blocked} THEN rate_limits.hits WHEN ${over} THEN 0 ELSE ${nextHits} END`,
        windowStartedAt: sql`CASE WHEN ${blocked} THEN rate_limits.window_started_at WHEN ${over} THEN ${blockEnds} WHEN ${inWindow} THEN rate_limits.window_started_at ELSE ${t} END`,
        blockedUntil: sql`CASE WHEN ${blocked} THEN rate_limits.blocked_until WHEN ${over} THEN ${blockEnds} ELSE rate_limits.blocked_until END`,
        strikes: sql`CASE WHEN ${over} THEN ${strikes} + 1 ELSE rate_limits.strikes END`,
        updatedAt: t,
      },
    })
    .returning({ hits: rateLimits.hits, blockedUntil: rateLimits.blockedUntil });
  if (Math.random() < 0.01) await forgetStaleRateLimits();
  const until = row!.blockedUntil;
  if (until && until.getTime() > at.getTime()) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((until.getTime() - at.getTime()) / 1000)) };
  return { allowed: true, remaining: Math.max(0, limit - row!.hits) };
}

/** Gives back one attempt (one that turned out fine) unless the key is blocked: only failures count. */
export async function refundRateLimit(opts: { key: string }): Promise<void> {
  const t = sql`${now().toISOString()}::timestamptz`;
  await getDb()
    .update(rateLimits)
    .set({ hits: sql`GREATEST(${rateLimits.hits} - 1, 0)` })
    .where(sql`${rateLimits.key} = ${opts.key} AND (${rateLimits.blockedUntil} IS NULL OR ${rateLimits.blockedUntil} <= ${t})`);
}

/** Forgets a key's attempts and strikes (e.g. an account after a successful sign-in), unless it is blocked. */
export async function resetRateLimit(opts: { key: string }): Promise<void> {
  const t = sql`${now().toISOString()}::timestamptz`;
  await getDb()
    .delete(rateLimits)
    .where(sql`${eq(rateLimits.key, opts.key)} AND (${rateLimits.blockedUntil} IS NULL OR ${rateLimits.blockedUntil} <= ${t})`);
}

export async function forgetStaleRateLimits(): Promise<number> {
  const cutoff = new Date(now().getTime() - FORGET_AFTER_SECONDS * 1000);
  const gone = await getDb().delete(rateLimits).where(lt(rateLimits.updatedAt, cutoff)).returning({ key: rateLimits.key });
  return gone.length;
}
