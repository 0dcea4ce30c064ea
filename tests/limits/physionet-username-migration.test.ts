import { randomUUID } from "node:crypto";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { expect, inject, it } from "vitest";
import * as schema from "@/db/schema";
import { dropDatabase, ensureDatabase } from "@/scripts/lib/database";
import { endPoolAndWait } from "../support/end-pool";

// Migration 0011 makes PhysioNet usernames unique case-blind. An installation may already hold links
// that differ only in case (the old constraint compared them exactly): the migration must not fail
// on them. It keeps the earliest link of each name, removes the later ones and lower-cases the rest.

it("keeps the earliest link of a username held in several cases, and then refuses any second one", async () => {
  const url = new URL(inject("databaseUrl"));
  url.pathname = `/labgate_mig0011_${randomUUID().slice(0, 8)}`;
  const dir = await mkdtemp(path.join(os.tmpdir(), "labgate-mig-"));
  await ensureDatabase(url.toString());
  const pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
  try {
    // The migrations before 0011, as an installation upgraded today has them.
    await cp(path.resolve("db/migrations"), dir, { recursive: true });
    const journalPath = path.join(dir, "meta", "_journal.json");
    const journal = JSON.parse(await readFile(journalPath, "utf8")) as { entries: { idx: number; tag: string }[] };
    journal.entries = journal.entries.filter((e) => e.tag < "0011");
    await writeFile(journalPath, JSON.stringify(journal));
    const db = drizzle(pool, { schema });
    await migrate(db, { migrationsFolder: dir });

    // Plain SQL: the factories write today's schema, which this database does not have yet.
    const lab = (await pool.query<{ id: string }>("insert into labs (name, slug) values ('Migration lab', $1) returning id", [`mig-${Date.now()}`])).rows[0]!;
    const users = await Promise.all(
      [0, 1, 2, 3].map(async (i) => (await pool.query<{ id: string }>("insert into users (lab_id, email, name) values ($1, $2, $3) returning id", [lab.id, `mig-${i}-${Date.now()}@example.org`, `Member ${i}`])).rows[0]!),
    );
    const link = (i: number, username: string, createdAt: string) =>
      pool.query("insert into physionet_accounts (user_id, lab_id, username, created_at, updated_at) values ($1, $2, $3, $4, $4)", [users[i]!.id, lab.id, username, createdAt]);
    await link(0, "Ana-Souza", "2025-03-01T00:00:00Z");
    await link(1, "ana-souza", "2025-01-01T00:00:00Z");
    await link(2, "ANA-SOUZA", "2025-02-01T00:00:00Z");
    await link(3, "Bob-Lee", "2025-01-01T00:00:00Z");

    await migrate(db, { migrationsFolder: path.resolve("db/migrations") });

    const rows = await pool.query<{ user_id: string; username: string }>("select user_id, username from physionet_accounts order by username");
    expect(rows.rows).toEqual([
      { user_id: users[1]!.id, username: "ana-souza" },
      { user_id: users[3]!.id, username: "bob-lee" },
    ]);
    await expect(link(0, "ANA-souza", "2026-01-01T00:00:00Z")).rejects.toThrow(/physionet_accounts_username_key/);
    await expect(link(2, "Bob-LEE", "2026-01-01T00:00:00Z")).rejects.toThrow(/physionet_accounts_username_key/);
  } finally {
    await endPoolAndWait(pool);
    await dropDatabase(url.toString());
    await rm(dir, { recursive: true, force: true });
  }
}, 120_000);
