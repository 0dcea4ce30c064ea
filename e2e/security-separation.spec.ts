import { randomUUID } from "node:crypto";
import path from "node:path";
import type { Browser, Page } from "@playwright/test";
import { and, eq } from "drizzle-orm";
import * as schema from "@/db/schema";
import { credentialMember } from "@/lib/factories";
import { miniJpgFiles, writeMini } from "@/tests/mimic/mini-mimic";
import { E2E_STORAGE_DIR } from "../playwright.config";
import { seedLab, testDb, type Persona } from "./support/db";
import { expect, loginAs, test } from "./support/fixtures";

// Issue 13 §2, over HTTP: no single person, steward included, can open credentialed data. Each test
// replays one link of the attack ("mimic-cxr-jpg 9.9.9, open, with the lab's 2.0.0 files in it; a
// second steward account approving the first") and shows it refused.

// Two seeded labs and several signed-in contexts per test: more time than one page's default.
test.describe.configure({ timeout: 150_000 });

async function as(browser: Browser, who: Persona): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await loginAs(page, who);
  return page;
}

test("a steward cannot add mimic-cxr-jpg 9.9.9 as open, nor call any project open that PhysioNet does not", async ({ page, login }) => {
  await login("steward");
  const open = await page.request.post("/api/settings/datasets", { data: { slug: "mimic-cxr-jpg", version: "9.9.9", title: "Mine now", accessPolicy: "open" } });
  expect(open.status()).toBe(400);
  expect((await open.json()).error).toBe("mimic-cxr-jpg is a credentialed PhysioNet project: its access policy is fixed by PhysioNet, not chosen in labgate");
  const noVersion = await page.request.post("/api/settings/datasets", { data: { slug: "mimic-cxr-jpg", version: "9.9.9", title: "Mine now" } });
  expect(noVersion.status()).toBe(400);
  expect((await noVersion.json()).error).toBe("PhysioNet publishes mimic-cxr-jpg 2.0.0, 2.1.0; there is no version 9.9.9");
  const unknown = await page.request.post("/api/settings/datasets", { data: { slug: `lab-copy-${randomUUID().slice(0, 6)}`, version: "2.0.0", title: "Copy", accessPolicy: "open", duaName: "", duaVersion: "" } });
  expect(unknown.status()).toBe(400);
  expect((await unknown.json()).error).toMatch(/treated as credentialed; open access exists only for the open projects the catalogue lists/);
  // The next test plants its own 9.9.9 row (as an old form could have made it) and may run at the same
  // time, so look for what these requests would have written: a row titled "Mine now".
  const rows = await testDb().select().from(schema.datasets).where(and(eq(schema.datasets.slug, "mimic-cxr-jpg"), eq(schema.datasets.title, "Mine now")));
  expect(rows).toEqual([]);

  // A catalogue project added "as open" anyway is credentialed: the settings page says so.
  const added = await page.request.post("/api/settings/datasets", { data: { slug: "mimic-cxr-jpg", version: "2.1.0", title: "ignored", accessPolicy: "credentialed", requiredTrainingTypes: [], duaName: "None", duaVersion: "0" } });
  expect(added.status()).toBe(200);
  await page.goto("/settings");
  const row = page.getByTestId("lab-datasets").getByRole("row").filter({ hasText: "mimic-cxr-jpg 2.1.0" });
  await expect(row).toContainText("credentialed");
  await expect(row).toContainText("fixed by PhysioNet");
  await expect(row).toContainText("PhysioNet Credentialed Health Data Use Agreement 1.5.0");
});

test("the lab's 2.0.0 files cannot be imported as 9.9.9 or as 2.1.0", async ({ page, lab, login, allowConsoleErrors }) => {
  allowConsoleErrors(/status of 400/);
  const db = testDb();
  // A 9.9.9 row as the old settings form could create it (now refused above), held by this lab.
  const [legacy] = await db.insert(schema.datasets).values({ slug: "mimic-cxr-jpg", version: "9.9.9", title: "legacy", duaName: "x", duaVersion: "1" }).onConflictDoNothing().returning();
  const ds = legacy ?? (await db.select().from(schema.datasets).where(and(eq(schema.datasets.slug, "mimic-cxr-jpg"), eq(schema.datasets.version, "9.9.9"))))[0]!;
  const [v210] = await db.select().from(schema.datasets).where(and(eq(schema.datasets.slug, "mimic-cxr-jpg"), eq(schema.datasets.version, "2.1.0")));
  await db.insert(schema.labDatasets).values([{ labId: lab.lab.id, datasetId: ds.id }, { labId: lab.lab.id, datasetId: v210!.id }]);
  const rel = `sep-${randomUUID().slice(0, 8)}/physionet.org/files/mimic-cxr-jpg/2.0.0`;
  writeMini(path.join(E2E_STORAGE_DIR, rel), miniJpgFiles());

  await login("steward");
  const asFake = await page.request.post("/api/datasets/mimic-cxr-jpg/9.9.9/import", { data: { dir: rel } });
  expect(asFake.status()).toBe(400);
  expect((await asFake.json()).error).toBe("PhysioNet publishes mimic-cxr-jpg 2.0.0, 2.1.0; there is no version 9.9.9 to import into");
  const asNewer = await page.request.post("/api/datasets/mimic-cxr-jpg/2.1.0/import", { data: { dir: rel } });
  expect(asNewer.status()).toBe(400);
  expect((await asNewer.json()).error).toBe("the directory is version 2.0.0 by its path (…/mimic-cxr-jpg/2.0.0/), not 2.1.0; import it into mimic-cxr-jpg 2.0.0");
  const imported = await db.select().from(schema.mimicImports).where(eq(schema.mimicImports.datasetId, ds.id));
  expect(imported).toEqual([]);
  // And no member reads the fake version: it is credentialed, and they hold none of its steps.
  await page.context().clearCookies();
  await loginAs(page, lab.member);
  expect((await page.request.get("/api/datasets/mimic-cxr-jpg/9.9.9/images/aaaaaaaa-bbbbbbbb-cccccccc-dddddddd-eeeeeeee")).status()).toBe(403);
});

test("a steward cannot make a second steward; only an admin can", async ({ page, lab, login, browser }) => {
  await login("steward");
  for (const role of ["steward", "admin"]) {
    const res = await page.request.post("/api/invites", { data: { email: `second-${randomUUID().slice(0, 6)}@example.org`, role } });
    expect(res.status()).toBe(403);
    expect((await res.json()).error).toBe(`Only an admin can invite a ${role}; a steward invites members`);
  }
  const promote = await page.request.post(`/api/members/${lab.member.id}/role`, { data: { role: "steward" } });
  expect(promote.status()).toBe(403);
  const [still] = await testDb().select({ role: schema.users.role }).from(schema.users).where(eq(schema.users.id, lab.member.id));
  expect(still!.role).toBe("member");
  await page.goto("/members");
  await expect(page.getByLabel("Role", { exact: true }).locator("option")).toHaveText(["member"]);

  const admin = await as(browser, lab.admin);
  const invite = await admin.request.post("/api/invites", { data: { email: `steward-${randomUUID().slice(0, 6)}@example.org`, role: "steward" } });
  expect(invite.status()).toBe(200);
});

test("nobody approves their own training or certifies their own access", async ({ page, lab, login, browser }) => {
  const db = testDb();
  const suffix = randomUUID().slice(0, 8);
  const [t] = await db
    .insert(schema.trainings)
    .values({
      labId: lab.lab.id, userId: lab.steward.id, trainingType: "citi-data-or-specimens", kind: "report", status: "pending", learnerName: lab.steward.name,
      course: "Data or Specimens Only Research", completionDate: "2025-02-03", recordId: `SELF-${suffix}`, verificationUrl: `https://www.citiprogram.org/verify/?k${suffix}-1`,
      storageKey: `e2e/${suffix}.pdf`, sha256: randomUUID().replace(/-/g, "").padEnd(64, "0"), sizeBytes: 10, submittedAt: new Date(),
    })
    .returning();
  await credentialMember(db, { labId: lab.lab.id, userId: lab.steward.id, stewardId: lab.admin.id, datasetIds: [lab.datasetIds.jpg] });
  await login("steward");
  const own = await page.request.post(`/api/stewardship/trainings/${t!.id}/review`, { data: { decision: "accept" } });
  expect(own.status()).toBe(403);
  expect((await own.json()).error).toBe("You cannot review your own training; ask another steward");

  const admin = await as(browser, lab.admin);
  const opened = await admin.request.post("/api/stewardship/reviews", { data: { title: `Review ${suffix}`, deadline: new Date(Date.now() + 20 * 86_400_000).toISOString() } });
  expect(opened.status()).toBe(200);
  const { id } = (await opened.json()) as { id: string };
  const certify = (p: Page) => p.request.post(`/api/stewardship/reviews/${id}/items`, { data: { userId: lab.steward.id, datasetId: lab.datasetIds.jpg, decision: "certify" } });
  const tries = await Promise.all(Array.from({ length: 12 }, () => certify(page)));
  expect(tries.map((r) => r.status())).toEqual(Array(12).fill(403));
  expect((await tries[0]!.json()).error).toBe("You cannot certify your own access; another steward must certify it");
  expect((await certify(admin)).status()).toBe(200);
  const [item] = await db.select().from(schema.accessReviewItems).where(and(eq(schema.accessReviewItems.reviewId, id), eq(schema.accessReviewItems.userId, lab.steward.id)));
  expect(item).toMatchObject({ decision: "certified", decidedBy: lab.admin.id });
});

test("one lab's settings never change another lab's", async ({ browser }) => {
  const [a, b] = [await seedLab(), await seedLab()];
  const [sa, sb] = [await as(browser, a.steward), await as(browser, b.steward)];
  const slug = `shared-${randomUUID().slice(0, 8)}`;
  const add = (p: Page, dua: string, trainings: string[]) => p.request.post("/api/settings/datasets", { data: { slug, version: "1.0", title: "Shared project", requiredTrainingTypes: trainings, duaName: dua, duaVersion: "1" } });
  expect((await add(sa, "Lab A agreement", [])).status()).toBe(200);
  expect((await add(sb, "Lab B agreement", ["citi-data-or-specimens"])).status()).toBe(200);
  expect((await sa.request.post("/api/settings/access-policy", { data: { verificationValidDays: 7, warningDays: 90 } })).status()).toBe(200);

  await sb.goto("/settings");
  const rowB = sb.getByTestId("lab-datasets").getByRole("row").filter({ hasText: `${slug} 1.0` });
  await expect(rowB).toContainText("Lab B agreement 1");
  await expect(rowB).toContainText("citi-data-or-specimens");
  await expect(rowB).toContainText("treated as credentialed");
  await sa.goto("/settings");
  await expect(sa.getByTestId("lab-datasets").getByRole("row").filter({ hasText: `${slug} 1.0` })).toContainText("Lab A agreement 1");
  const policyB = await testDb().select().from(schema.labAccessPolicies).where(eq(schema.labAccessPolicies.labId, b.lab.id));
  expect(policyB).toEqual([]);
  const [shared] = await testDb().select().from(schema.datasets).where(eq(schema.datasets.slug, slug));
  expect(shared).toMatchObject({ accessPolicy: "credentialed", duaName: "PhysioNet Credentialed Health Data Use Agreement" });
});
