import { and, eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { datasets, labDatasets, notifications } from "@/db/schema";
import { getDb } from "@/lib/db/client";
import { createLab, createUser } from "@/lib/factories";
import { listHeldVersions } from "@/lib/retention/held-versions";
import { runRetentionSweep } from "@/lib/retention/due-sweep";

const DAY_MS = 86_400_000;

it("gives stewards and admins a task 30 days before a held version's retention ends and one on the day, each once", async () => {
  const db = getDb();
  const lab = await createLab(db);
  const steward = await createUser(db, { labId: lab.id, role: "steward" });
  const admin = await createUser(db, { labId: lab.id, role: "admin" });
  const member = await createUser(db, { labId: lab.id, role: "member" });
  await createUser(db, { labId: lab.id, role: "steward", status: "deactivated" });
  const version = `8.${Math.floor(Math.random() * 1e6)}`;
  const [ds] = await db.insert(datasets).values({ slug: "mimic-cxr", version, title: "t", duaName: "d", duaVersion: "1" }).returning();
  const addedAt = new Date("2025-01-01T00:00:00Z");
  await db.insert(labDatasets).values({ labId: lab.id, datasetId: ds!.id, retentionDays: 100, addedAt });
  const dueAt = new Date(addedAt.getTime() + 100 * DAY_MS);
  const mine = () => db.select().from(notifications).where(and(eq(notifications.labId, lab.id), eq(notifications.kind, "retention_due")));

  // 31 days before: nothing yet.
  await runRetentionSweep(db, { now: new Date(dueAt.getTime() - 31 * DAY_MS) });
  expect(await mine()).toHaveLength(0);
  // 30 days before, and again (a retry, the next day, many sweeps at once): one task per steward/admin.
  await Promise.all(Array.from({ length: 8 }, (_, i) => runRetentionSweep(db, { now: new Date(dueAt.getTime() - (30 - (i % 3)) * DAY_MS) })));
  let rows = await mine();
  expect(rows.map((r) => r.userId).sort()).toEqual([steward.id, admin.id].sort());
  expect(rows.every((r) => r.title === `Retention ends ${dueAt.toISOString().slice(0, 10)}: mimic-cxr ${version}` && r.link === "/stewardship/retention")).toBe(true);
  expect(rows.some((r) => r.userId === member.id)).toBe(false);
  // On the day, and after: one more each.
  await runRetentionSweep(db, { now: dueAt });
  await runRetentionSweep(db, { now: new Date(dueAt.getTime() + 3 * DAY_MS) });
  rows = await mine();
  expect(rows).toHaveLength(4);
  expect(rows.filter((r) => r.title.startsWith("Retention ended")).map((r) => r.userId).sort()).toEqual([steward.id, admin.id].sort());

  const [held] = await listHeldVersions(db, { labId: lab.id, now: new Date(dueAt.getTime() - 10 * DAY_MS) });
  expect(held).toMatchObject({ datasetId: ds!.id, dueAt, daysLeft: 10, open: null });
});
