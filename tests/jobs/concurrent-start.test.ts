import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type PgBoss from "pg-boss";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { getEnv } from "@/lib/env";
import { startJobRunner, stopJobRunner } from "@/lib/jobs/job-runner";
import { jobRegistry } from "@/lib/jobs/registry";
import { dropDatabase, ensureDatabase, runMigrations } from "@/scripts/lib/database";
import { isolatedDatabaseForFile } from "../support/isolated-database";

// Machines of one installation start together (a deploy, a reboot): their `npm start`s migrate the
// same database and their workers set up the same pg-boss queues at the same moment. Before, two
// workers doing so deadlocked in PostgreSQL (40P01) and one died; migrations raced the same way.
const db = isolatedDatabaseForFile();

describe("several machines starting at once", () => {
  it("four workers set their queues up at the same moment on a database that has none: all start", async () => {
    const started: PgBoss[] = [];
    try {
      const results = await Promise.allSettled(Array.from({ length: 4 }, () => startJobRunner({ connectionString: db.url(), jobs: jobRegistry(getEnv()) }).then((b) => started.push(b))));
      expect(results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
      const queues = await started[0]!.getQueues();
      expect(queues.map((q) => q.name).filter((n) => !n.startsWith("__pgboss")).sort()).toEqual([...new Set(jobRegistry(getEnv()).map((j) => j.name))].sort());
    } finally {
      await Promise.all(started.map((b) => stopJobRunner(b, { timeoutMs: 2_000 })));
    }
  });

  it("a worker drives LABGATE_WORKER_DRIVE_SLOTS download shares at once (one pg-boss poller each)", () => {
    const drivers = (slots: number) => jobRegistry({ ...getEnv(), LABGATE_WORKER_DRIVE_SLOTS: slots }).filter((j) => j.name === "downloads.drive").length;
    expect([drivers(1), drivers(4), drivers(7)]).toEqual([1, 4, 7]);
    expect(getEnv().LABGATE_WORKER_DRIVE_SLOTS).toBe(4);
  });

  it("three migrations of one empty database at once all succeed, and each file is applied once", async () => {
    const url = new URL(inject("databaseUrl"));
    url.pathname = `/labgate_migrate_race_${randomUUID().slice(0, 8)}`;
    await ensureDatabase(url.toString());
    try {
      const results = await Promise.allSettled([runMigrations(url.toString()), runMigrations(url.toString()), runMigrations(url.toString())]);
      expect(results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        const applied = await client.query<{ n: number; distinct_n: number }>("select count(*)::int as n, count(distinct hash)::int as distinct_n from drizzle.__drizzle_migrations");
        expect(applied.rows[0]!.n).toBe(applied.rows[0]!.distinct_n);
        const journal = JSON.parse(readFileSync("db/migrations/meta/_journal.json", "utf8")) as { entries: unknown[] };
        expect(applied.rows[0]!.n).toBe(journal.entries.length);
      } finally {
        await client.end();
      }
    } finally {
      await dropDatabase(url.toString());
    }
  });
});
