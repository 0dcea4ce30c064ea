import { randomUUID } from "node:crypto";
import { drizzle } from "drizzle-orm/node-postgres";
import { eq } from "drizzle-orm";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import * as schema from "@/db/schema";
import { rateLimits } from "@/db/schema";
import { setClockOffsetForTests } from "@/lib/clock";
import { getDb } from "@/lib/db/client";
import { consumeRateLimit, forgetStaleRateLimits, refundRateLimit, resetRateLimit } from "@/lib/limits/consume";

const key = () => `test:${randomUUID()}`;
let offset = 0;
function travel(seconds: number) {
  offset += seconds * 1000;
  setClockOffsetForTests(offset);
}
afterEach(() => {
  offset = 0;
  setClockOffsetForTests(0);
});

async function consumeMany(k: string, n: number, rule = { limit: 3, windowSeconds: 60 }) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await consumeRateLimit({ key: k, ...rule }));
  return out;
}

describe("consumeRateLimit", () => {
  it("allows `limit` attempts in a window, then refuses with the time left", async () => {
    const k = key();
    const results = await consumeMany(k, 5);
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false, false]);
    expect(results[0]).toEqual({ allowed: true, remaining: 2 });
    const refused = results[3] as { allowed: false; retryAfterSeconds: number };
    expect(refused.retryAfterSeconds).toBe(60);
    travel(20);
    expect(await consumeRateLimit({ key: k, limit: 3, windowSeconds: 60 })).toEqual({ allowed: false, retryAfterSeconds: 40 });
  });

  it("a new window starts the count over", async () => {
    const k = key();
    await consumeMany(k, 2);
    travel(61);
    expect((await consumeMany(k, 4)).map((r) => r.allowed)).toEqual([true, true, true, false]);
  });

  it("repeated blocks double, up to the cap, and are forgiven after a quiet spell", async () => {
    const k = key();
    const rule = { limit: 2, windowSeconds: 60, maxBlockSeconds: 300 };
    const blocks: number[] = [];
    for (let round = 0; round < 5; round++) {
      const results = await consumeMany(k, 3, rule);
      expect(results.map((r) => r.allowed)).toEqual([true, true, false]);
      const retry = (results[2] as { retryAfterSeconds: number }).retryAfterSeconds;
      blocks.push(retry);
      travel(retry);
    }
    expect(blocks).toEqual([60, 120, 240, 300, 300]);
    // Quiet for longer than the cap: the next block is one window again.
    travel(301);
    const results = await consumeMany(k, 3, rule);
    expect((results[2] as { retryAfterSeconds: number }).retryAfterSeconds).toBe(60);
  });

  it("50 concurrent consumers on three app instances: exactly `limit` are allowed", async () => {
    const pools = [0, 1].map(() => new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 }));
    const dbs = [getDb(), ...pools.map((p) => drizzle(p, { schema }))];
    try {
      for (const limit of [1, 7, 20]) {
        const k = key();
        const results = await Promise.all(Array.from({ length: 50 }, (_, i) => consumeRateLimit({ key: k, limit, windowSeconds: 60, db: dbs[i % dbs.length] })));
        expect(results.filter((r) => r.allowed)).toHaveLength(limit);
        const [row] = await getDb().select().from(rateLimits).where(eq(rateLimits.key, k));
        expect(row!.blockedUntil).not.toBeNull();
      }
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it("a refund gives one attempt back, so only failures add up", async () => {
    const k = key();
    for (let i = 0; i < 10; i++) {
      expect((await consumeRateLimit({ key: k, limit: 3, windowSeconds: 60 })).allowed).toBe(true);
      await refundRateLimit({ key: k });
    }
    expect((await consumeMany(k, 4)).map((r) => r.allowed)).toEqual([true, true, true, false]);
    // No refund while blocked: the block stands.
    await refundRateLimit({ key: k });
    expect((await consumeRateLimit({ key: k, limit: 3, windowSeconds: 60 })).allowed).toBe(false);
  });

  it("a reset forgets the count, but does not lift a block", async () => {
    const k = key();
    await consumeMany(k, 2);
    await resetRateLimit({ key: k });
    expect((await consumeMany(k, 4)).map((r) => r.allowed)).toEqual([true, true, true, false]);
    await resetRateLimit({ key: k });
    expect((await consumeRateLimit({ key: k, limit: 3, windowSeconds: 60 })).allowed).toBe(false);
  });

  it("keys are independent, and rows idle for two days are forgotten", async () => {
    const [a, b] = [key(), key()];
    await consumeMany(a, 4);
    expect((await consumeRateLimit({ key: b, limit: 3, windowSeconds: 60 })).allowed).toBe(true);
    travel(3 * 86_400);
    expect(await forgetStaleRateLimits()).toBeGreaterThanOrEqual(2);
    expect(await getDb().select().from(rateLimits).where(eq(rateLimits.key, a))).toHaveLength(0);
  });

  it("refuses a nonsensical limit", async () => {
    await expect(consumeRateLimit({ key: key(), limit: 0, windowSeconds: 60 })).rejects.toThrow(/positive integer/);
  });
});
