import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { desc, eq } from "drizzle-orm";
import * as schema from "@/db/schema";
import { createLab, createUser, credentialMember } from "@/lib/factories";
import { fileListSha256 } from "@/lib/retention/file-list";
import { spawnRetentionWorker } from "@/tests/retention/spawn-worker";
import { E2E_STORAGE_DIR } from "../playwright.config";
import { testDb } from "./support/db";
import { expect, loginAs, test } from "./support/fixtures";

// The end of a lab's copy: a steward requests the destruction of a version whose retention ended, an
// admin confirms, a real worker process (pg-boss) removes every byte, and the attestation prints.

let worker: ChildProcess | undefined;
const workerLog: string[] = [];
test.afterAll(() => {
  worker?.kill("SIGTERM");
});

/** A version only this lab holds, 40 days into a 30-day retention, with verified files in local lab storage. */
async function heldVersion(labId: string, stewardId: string, researcherId: string) {
  const db = testDb();
  const ref = { slug: "mimic-cxr", version: `7.${Math.floor(Math.random() * 1e6)}.${Math.floor(Math.random() * 1e6)}` };
  const [ds] = await db
    .insert(schema.datasets)
    .values({ ...ref, title: "MIMIC-CXR (retention test)", requiredTrainingTypes: ["citi-data-or-specimens"], duaName: "PhysioNet Credentialed Health Data Use Agreement", duaVersion: "1.5.0" })
    .returning();
  await db.insert(schema.labDatasets).values({ labId, datasetId: ds!.id, retentionDays: 30, addedAt: new Date(Date.now() - 40 * 86_400_000) });
  await credentialMember(db, { labId, userId: researcherId, stewardId, datasetIds: [ds!.id] });
  const files = ["LICENSE.txt", "cxr-record-list.csv.gz", "files/p10/p10000032/s50414267.txt"].map((p, i) => ({ p, bytes: randomBytes(1000 + i * 517) }));
  const expected: { path: string; size: number }[] = [];
  for (const f of files) {
    const key = `downloads/${ref.slug}/${ref.version}/${f.p}`;
    mkdirSync(path.dirname(path.join(E2E_STORAGE_DIR, key)), { recursive: true });
    writeFileSync(path.join(E2E_STORAGE_DIR, key), f.bytes);
    await db.insert(schema.storedFiles).values({ labId, datasetId: ds!.id, path: f.p, storageKey: key, size: f.bytes.length, sha256: "0".repeat(64), storedAt: new Date() });
    expected.push({ path: `local:${key}`, size: f.bytes.length });
  }
  return { ...ref, id: ds!.id, label: `${ref.slug} ${ref.version}`, dir: path.join(E2E_STORAGE_DIR, "downloads", ref.slug, ref.version), expected };
}

test("a steward requests destruction, an admin confirms, the job removes every byte, access ends and the attestation prints", async ({ page, browser, lab, login, allowConsoleErrors }) => {
  test.setTimeout(240_000);
  // The mistyped confirmation is refused by the server (400), which the browser logs.
  allowConsoleErrors(/status of 400/);
  worker = await spawnRetentionWorker({
    env: { ...process.env, NODE_ENV: "production", NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET ?? "e2e-secret-e2e-secret-e2e-secret-e2e-0", LABGATE_STORAGE_DIR: E2E_STORAGE_DIR },
    log: workerLog,
  });
  const v = await heldVersion(lab.lab.id, lab.steward.id, lab.researcher.id);
  const row = () => page.getByTestId(`retention-${v.slug}-${v.version}`);

  await login("steward");
  await page.goto("/stewardship");
  await page.getByRole("link", { name: "Retention" }).click();
  await expect(page).toHaveURL(/\/stewardship\/retention$/);
  await expect(row()).toContainText("Due since");
  await row().getByRole("button", { name: "Destroy now…" }).click();
  await row().getByLabel(`Type ${v.label} to confirm`).fill(v.slug);
  await row().getByRole("button", { name: "Request destruction" }).click();
  await expect(row().getByRole("alert")).toContainText(`Type "${v.label}" exactly`);
  await row().getByLabel(`Type ${v.label} to confirm`).fill(v.label);
  await row().getByRole("button", { name: "Request destruction" }).click();
  await expect(row()).toContainText(`Requested by ${lab.steward.name}`);
  await expect(row()).toContainText("You requested this destruction");
  await expect(row().getByRole("button", { name: "Confirm destruction" })).toHaveCount(0);
  // Over HTTP too: the requester cannot confirm their own request.
  const [open] = await testDb().select().from(schema.datasetDestructions).where(eq(schema.datasetDestructions.datasetId, v.id));
  const own = await page.request.post(`/api/stewardship/retention/${open!.id}`, { data: { action: "confirm", confirm: v.label } });
  expect(own.status()).toBe(403);
  expect(existsSync(v.dir)).toBe(true);

  // A different person, the admin, confirms; the worker takes the job.
  const actx = await browser.newContext();
  const apage = await actx.newPage();
  await loginAs(apage, lab.admin);
  await apage.goto("/stewardship/retention");
  const arow = apage.getByTestId(`retention-${v.slug}-${v.version}`);
  await arow.getByLabel(`Type ${v.label} to confirm the destruction`).fill(v.label);
  await arow.getByRole("button", { name: "Confirm destruction" }).click();
  await expect
    .poll(
      async () => {
        await apage.reload();
        return apage.getByRole("link", { name: "Attestation" }).count();
      },
      { timeout: 60_000, message: `the destruction job did not finish; worker log:\n${workerLog.join("")}` },
    )
    .toBe(1);
  expect(existsSync(v.dir)).toBe(false);
  await expect(arow).toHaveCount(0);

  await apage.getByRole("link", { name: "Attestation" }).click();
  await expect(apage).toHaveURL(/\/stewardship\/retention\/[0-9a-f-]{36}\/attestation$/);
  await expect(apage.getByTestId("att-lab")).toHaveText(lab.lab.name);
  await expect(apage.getByTestId("att-dataset")).toHaveText(v.label);
  await expect(apage.getByTestId("att-files")).toHaveText(String(v.expected.length));
  await expect(apage.getByTestId("att-bytes")).toContainText(v.expected.reduce((n, f) => n + f.size, 0).toLocaleString("en-US"));
  await expect(apage.getByTestId("att-hash")).toHaveText(fileListSha256(v.expected));
  const [audit] = await testDb().select().from(schema.auditLog).where(eq(schema.auditLog.action, "dataset.destroyed")).orderBy(desc(schema.auditLog.id)).limit(1);
  await expect(apage.getByTestId("att-audit")).toHaveText(`#${audit!.id} · ${audit!.hash}`);
  await expect(apage.getByText("Principal investigator: name, signature, date")).toBeVisible();
  // Printed: the page's content only.
  await apage.emulateMedia({ media: "print" });
  await expect(apage.locator("header.top")).toBeHidden();
  await expect(apage.getByRole("button", { name: "Print" })).toBeHidden();
  await actx.close();

  // The researcher who had access is refused from the next request on.
  const rctx = await browser.newContext();
  const rpage = await rctx.newPage();
  await loginAs(rpage, lab.researcher);
  expect([403, 404]).toContain((await rpage.goto(`/datasets/${v.slug}/${v.version}`))!.status());
  await rctx.close();
});

test("a member is refused the retention pages and routes", async ({ page, login, allowConsoleErrors }) => {
  allowConsoleErrors(/status of 403/);
  await login("member");
  expect((await page.goto("/stewardship/retention"))!.status()).toBe(403);
  expect((await page.goto(`/stewardship/retention/${randomUUID()}/attestation`))!.status()).toBe(403);
  expect((await page.request.post("/api/stewardship/retention", { data: { datasetId: randomUUID(), confirm: "x" } })).status()).toBe(403);
  expect((await page.request.post(`/api/stewardship/retention/${randomUUID()}`, { data: { action: "confirm", confirm: "x" } })).status()).toBe(403);
});

test("a steward of another lab sees no attestation of this lab (404)", async ({ page, login, allowConsoleErrors }) => {
  allowConsoleErrors(/status of 404/);
  const db = testDb();
  const other = await createLab(db);
  const requester = await createUser(db, { labId: other.id, role: "steward" });
  const [ds] = await db.select().from(schema.datasets).limit(1);
  const [d] = await db
    .insert(schema.datasetDestructions)
    .values({ labId: other.id, datasetId: ds!.id, heldSince: new Date(), requestedBy: requester.id, requestedAt: new Date(), status: "cancelled" })
    .returning();
  await login("steward");
  expect((await page.goto(`/stewardship/retention/${d!.id}/attestation`))!.status()).toBe(404);
  expect((await page.request.post(`/api/stewardship/retention/${d!.id}`, { data: { action: "cancel" } })).status()).toBe(404);
});
