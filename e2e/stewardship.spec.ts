import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import * as schema from "@/db/schema";
import { credentialMember } from "@/lib/factories";
import { testDb } from "./support/db";
import { expect, loginAs, test } from "./support/fixtures";
import { E2E_CXR, E2E_JPG } from "./support/mimic-data";

const JPG = `${E2E_JPG.slug} ${E2E_JPG.version}`;
const CXR = `${E2E_CXR.slug} ${E2E_CXR.version}`;
const jpgPath = `/datasets/${E2E_JPG.slug}/${E2E_JPG.version}`;
const cxrPath = `/datasets/${E2E_CXR.slug}/${E2E_CXR.version}`;
const cell = (page: import("@playwright/test").Page, email: string, dataset: string) => page.getByTestId("access-matrix").locator(`tr[data-email="${email}"] td[data-column="${dataset}"]`);

test("the steward filters the access matrix, exports it, revokes a member who is refused on the very next request, and reinstates", async ({ page, browser, lab, login }) => {
  const { researcher, member } = lab;
  const rctx = await browser.newContext();
  const rpage = await rctx.newPage();
  await loginAs(rpage, researcher);
  expect((await rpage.goto(jpgPath))!.status()).toBe(200);

  await login("steward");
  await page.goto("/");
  await page.getByRole("link", { name: "Access matrix" }).click();
  await expect(page).toHaveURL(/\/stewardship\/access$/);
  await expect(page.getByTestId("matrix-count")).toHaveText("4 of 4 members");
  await expect(cell(page, researcher.email, JPG).getByTestId("cell-state")).toHaveText("access");
  await expect(cell(page, researcher.email, CXR).getByTestId("cell-state")).toHaveText("access");
  await expect(cell(page, member.email, JPG).getByTestId("cell-state")).toHaveText("PhysioNet account: missing");

  // Filters: text on the member, then status; both end up in the URL and in the export link.
  await page.getByLabel("Member", { exact: true }).fill(researcher.email.toUpperCase());
  await expect(page.getByTestId("matrix-count")).toHaveText("1 of 4 members");
  await expect(page).toHaveURL(/q=/);
  await page.getByLabel("Member", { exact: true }).fill("");
  await page.getByLabel("Status", { exact: true }).selectOption("access");
  await expect(page.getByTestId("matrix-count")).toHaveText("1 of 4 members");
  await expect(page.getByTestId("access-matrix").locator("tbody tr")).toHaveCount(1);
  await page.getByLabel("Status", { exact: true }).selectOption("no_access");
  await expect(page.getByTestId("matrix-count")).toHaveText("3 of 4 members");
  await expect(page.getByTestId("access-matrix").locator(`tr[data-email="${researcher.email}"]`)).toHaveCount(0);
  // Column visibility.
  await page.getByLabel(`Show column ${CXR}`).uncheck();
  await expect(page.getByTestId("access-matrix").locator("th", { hasText: CXR })).toHaveCount(0);
  await page.getByLabel(`Show column ${CXR}`).check();

  // Export what is on screen: the "has access" rows, the cells as the page shows them.
  // The dates beside each cell: approved on, expires on, training valid until, last data access.
  const today = new Date().toISOString().slice(0, 10);
  await page.getByLabel("Status", { exact: true }).selectOption("access");
  await expect(cell(page, researcher.email, JPG).getByTestId("cell-lastAccess")).toHaveText(today);
  await expect(cell(page, researcher.email, JPG).getByTestId("cell-approvedOn")).toHaveText(/^\d{4}-\d\d-\d\d$/);
  await expect(cell(page, researcher.email, JPG).getByTestId("cell-trainingValidUntil")).toHaveText(/^\d{4}-\d\d-\d\d$/);
  await page.getByLabel("Show column PhysioNet user").uncheck();
  await page.getByLabel(`Show column ${CXR}`).uncheck();
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export CSV" }).click();
  const csv = readFileSync(await (await download).path(), "utf8").trim().split("\n");
  // Only the visible columns, each dataset with its dates.
  expect(csv[0]).toBe(`member,email,role,${JPG},${JPG} approved on,${JPG} expires on,${JPG} training valid until,${JPG} responsible use attested,${JPG} last data access`);
  expect(csv).toHaveLength(2);
  expect(csv[1]).toMatch(new RegExp(`^${researcher.name},${researcher.email.replace(/[.+]/g, "\\$&")},member,access,\\d{4}-\\d\\d-\\d\\d,\\d{4}-\\d\\d-\\d\\d,\\d{4}-\\d\\d-\\d\\d,,${today}$`));
  const exports = await testDb().select().from(schema.auditLog).where(and(eq(schema.auditLog.labId, lab.lab.id), eq(schema.auditLog.action, "access_matrix.export")));
  expect(exports).toHaveLength(1);
  expect(exports[0]!.details).toMatchObject({ rows: 1, status: "access" });
  await page.getByLabel("Show column PhysioNet user").check();
  await page.getByLabel(`Show column ${CXR}`).check();

  // Revoke with a reason (refused without one), from the cell.
  await page.getByLabel("Status", { exact: true }).selectOption("any");
  await page.getByRole("button", { name: `Revoke access of ${researcher.email} to ${JPG}` }).click();
  const dialog = page.getByRole("dialog", { name: "Revoke access" });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Revoke" }).click();
  await expect(dialog.getByRole("alert")).toHaveText(/Reason .* is required/);
  await dialog.getByLabel(/Reason/).fill("Left the project");
  await dialog.getByRole("button", { name: "Revoke" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole("status")).toContainText(`Access of ${researcher.email} to ${JPG} revoked. They have no access from their next request.`);
  await expect(cell(page, researcher.email, JPG).getByTestId("cell-state")).toHaveText("revoked");
  await expect(cell(page, researcher.email, CXR).getByTestId("cell-state")).toHaveText("access");

  // The researcher's very next request: refused for that version, the other one still open.
  expect((await rpage.goto(jpgPath))!.status()).toBe(403);
  expect((await rpage.request.get(jpgPath)).status()).toBe(403);
  expect((await rpage.request.get(cxrPath)).status()).toBe(200);

  // The timeline shows it; reinstating gives access back on the next request.
  await page.getByTestId("access-matrix").getByRole("link", { name: researcher.name }).click();
  await expect(page.getByTestId("timeline").locator("li").first()).toContainText(`Access to ${JPG} revoked (approved → revoked)`);
  await expect(page.getByTestId("timeline").locator("li").first()).toContainText("Left the project");
  await page.goBack();
  await page.getByRole("button", { name: `Reinstate access of ${researcher.email} to ${JPG}` }).click();
  await page.getByRole("dialog", { name: "Reinstate access" }).getByRole("button", { name: "Reinstate" }).click();
  await expect(cell(page, researcher.email, JPG).getByTestId("cell-state")).toHaveText("access");
  expect((await rpage.request.get(jpgPath)).status()).toBe(200);
  const actions = await testDb().select({ action: schema.auditLog.action }).from(schema.auditLog).where(and(eq(schema.auditLog.labId, lab.lab.id), eq(schema.auditLog.targetId, researcher.id))).orderBy(schema.auditLog.id);
  expect(actions.map((a) => a.action).filter((a) => a.startsWith("access."))).toEqual(["access.revoke", "access.reinstate"]);
  await rctx.close();
});

test("the steward opens an access review and certifies a pair; progress follows", async ({ page, lab, login }) => {
  await login("steward");
  await page.goto("/stewardship/reviews");
  const inTwoDays = new Date(Date.now() + 2 * 86_400_000);
  const local = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}T10:00`;
  await page.getByLabel("Title").fill("E2E quarterly review");
  await page.getByLabel("Deadline").fill(local(inTwoDays));
  await page.getByRole("button", { name: "Open review" }).click();
  await expect(page).toHaveURL(/\/stewardship\/reviews\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { name: "E2E quarterly review" })).toBeVisible();
  await expect(page.getByTestId("review-progress")).toHaveText(/^0 of 2 answered \(0%\)/);
  const pairs = page.getByTestId("review-pairs");
  await expect(pairs.locator("tbody tr")).toHaveCount(2);

  await page.getByRole("button", { name: `Certify access of ${lab.researcher.email} to ${JPG}` }).click();
  await expect(page.getByRole("status")).toHaveText(`Certified: ${lab.researcher.email} / ${JPG}.`);
  await expect(page.getByTestId("review-progress")).toHaveText(/^1 of 2 answered \(50%\) · 1 certified/);
  await expect(pairs.locator(`tr[data-dataset="${JPG}"]`).getByTestId("pair-decision")).toHaveText("certified");
  await expect(page.getByRole("button", { name: `Certify access of ${lab.researcher.email} to ${JPG}` })).toHaveCount(0);

  await page.getByRole("link", { name: "Access reviews" }).click();
  await expect(page.getByTestId("reviews-table")).toContainText("1 of 2 answered · 1 certified · 0 revoked");
  const audit = await testDb().select().from(schema.auditLog).where(and(eq(schema.auditLog.labId, lab.lab.id), eq(schema.auditLog.action, "access_review.certify")));
  expect(audit).toHaveLength(1);
  expect(audit[0]!.details).toMatchObject({ userId: lab.researcher.id, email: lab.researcher.email });
});

test("the review queue shows a pending CITI report with its evidence; a rejection needs a comment", async ({ page, lab, login }) => {
  const suffix = randomUUID().slice(0, 8);
  const [t] = await testDb()
    .insert(schema.trainings)
    .values({
      labId: lab.lab.id, userId: lab.member.id, trainingType: "citi-data-or-specimens", kind: "report", status: "pending", learnerName: "Mia Member",
      course: "Data or Specimens Only Research", completionDate: "2025-02-03", expirationDate: "2028-02-03", recordId: `E2E-${suffix}`,
      verificationUrl: `https://www.citiprogram.org/verify/?k${suffix}-1`, storageKey: `e2e/${suffix}.pdf`, sha256: randomUUID().replace(/-/g, "").padEnd(64, "0"), sizeBytes: 10, submittedAt: new Date(),
    })
    .returning();
  await login("steward");
  await page.goto("/stewardship/queue");
  const row = page.getByTestId("queue-trainings").locator(`tr[data-email="${lab.member.email}"]`);
  await expect(row).toContainText("Mia Member");
  await expect(row).toContainText(`E2E-${suffix}`);
  await expect(row).toContainText("2028-02-03");
  await expect(row.getByRole("link", { name: "PDF" })).toHaveAttribute("href", `/api/credentialing/trainings/${t!.id}/pdf`);
  await expect(row.getByRole("link", { name: "verify on CITI" })).toHaveAttribute("href", t!.verificationUrl);

  await row.getByRole("button", { name: "Reject" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("button", { name: "Reject" }).click();
  await expect(dialog.getByRole("alert")).toContainText("is required");
  await dialog.getByLabel(/Comment/).fill("This is the report of another course");
  await dialog.getByRole("button", { name: "Reject" }).click();
  await expect(page.getByRole("status")).toContainText("rejected");
  await expect(page.getByTestId("queue-trainings")).toHaveCount(0);
  const [after] = await testDb().select().from(schema.trainings).where(eq(schema.trainings.id, t!.id));
  expect(after).toMatchObject({ status: "rejected", reviewComment: "This is the report of another course", reviewedBy: lab.steward.id });
  // Deciding it again is a clear 409.
  const again = await page.request.post(`/api/stewardship/trainings/${t!.id}/review`, { data: { decision: "accept" } });
  expect(again.status()).toBe(409);
  expect((await again.json()).error).toMatch(/already rejected by/);
});

test("approval is refused with the missing step named, then given once the steps are done: access on the member's next request", async ({ page, browser, lab, login }) => {
  const db = testDb();
  const { member } = lab;
  const mctx = await browser.newContext();
  const mpage = await mctx.newPage();
  await loginAs(mpage, member);
  expect((await mpage.request.get(jpgPath)).status()).toBe(403);

  await login("steward");
  const early = await page.request.post("/api/stewardship/access", { data: { userId: member.id, datasetId: lab.datasetIds.jpg, action: "approve" } });
  expect(early.status()).toBe(409);
  expect((await early.json()).error).toMatch(/the step "PhysioNet account" is missing/);

  // Everything but the approval: account, training, credentialing, the DUA for this version.
  await credentialMember(db, { labId: lab.lab.id, userId: member.id, stewardId: lab.admin.id, datasetIds: [] });
  const [jpg] = await db.select().from(schema.datasets).where(eq(schema.datasets.id, lab.datasetIds.jpg));
  await db.insert(schema.duaSignatures).values({ labId: lab.lab.id, userId: member.id, datasetId: jpg!.id, duaName: jpg!.duaName, duaVersion: jpg!.duaVersion, signedOn: new Date().toISOString().slice(0, 10), initials: "MM", status: "accepted", reviewedBy: lab.admin.id, reviewedAt: new Date(), createdAt: new Date() });

  await page.goto("/stewardship/access?status=awaiting_approval");
  await expect(page.getByTestId("matrix-count")).toHaveText("1 of 4 members");
  await expect(cell(page, member.email, JPG).getByTestId("cell-state")).toHaveText("awaiting approval");
  await expect(cell(page, member.email, CXR).getByTestId("cell-state")).toHaveText("Data use agreement: missing");
  // The review queue lists the pair too, and approves it.
  await page.goto("/stewardship/queue");
  const ready = page.getByTestId("ready-for-approval").locator(`tr[data-email="${member.email}"]`);
  await expect(ready).toHaveCount(1);
  await expect(ready).toContainText(JPG);
  await ready.getByRole("button", { name: `Approve access of ${member.email} to ${JPG}` }).click();
  await page.getByRole("dialog", { name: "Approve access" }).getByRole("button", { name: "Approve" }).click();
  await expect(page.getByRole("status")).toContainText(`Access of ${member.email} to ${JPG} approved. They have access from their next request.`);
  await expect(page.getByTestId("ready-for-approval").locator(`tr[data-email="${member.email}"]`)).toHaveCount(0);

  expect((await mpage.request.get(jpgPath)).status()).toBe(200);
  expect((await mpage.request.get(cxrPath)).status()).toBe(403);
  const notes = await db.select().from(schema.notifications).where(and(eq(schema.notifications.userId, member.id), eq(schema.notifications.kind, "access_granted")));
  expect(notes.map((n) => n.title)).toEqual([`Access approved: ${JPG}`]);
  await mctx.close();
});
