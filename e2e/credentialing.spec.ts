import { eq } from "drizzle-orm";
import * as schema from "@/db/schema";
import { makeCitiPdf } from "@/tests/support/citi-pdf";
import { E2E_PHYSIONET } from "./support/physionet-upstream";
import { testDb } from "./support/db";
import { nameTokens } from "@/lib/credentialing/name-match";
import { expect, loginAs, test } from "./support/fixtures";

const today = () => new Date().toISOString().slice(0, 10);
const target = `${E2E_PHYSIONET.slug} ${E2E_PHYSIONET.version}`;

test("a new member works through the checklist and gets access once a steward approves", async ({ page, lab, login, browser, allowConsoleErrors }) => {
  // Refused input comes back as 400 with a message; the browser logs each such response.
  allowConsoleErrors(/status of 400/);
  const member = await login("member");
  const db = testDb();
  // The upstream's account can be linked to one labgate member only; a re-run on the same database
  // takes it over from the previous run's member.
  await db.delete(schema.physionetAccounts).where(eq(schema.physionetAccounts.username, E2E_PHYSIONET.credentialed.username));
  const datasetPath = `/datasets/${E2E_PHYSIONET.slug}/${E2E_PHYSIONET.version}`;
  expect((await page.request.get(datasetPath)).status()).toBe(403);

  await page.goto("/");
  await expect(page.getByTestId("access-summary")).toContainText(`${target} no access`);
  await page.getByRole("link", { name: "Open your credentialing checklist" }).click();
  await expect(page.getByRole("heading", { name: "Your access checklist" })).toBeVisible();
  const card = page.getByTestId(`dataset-${E2E_PHYSIONET.slug}-${E2E_PHYSIONET.version}`);
  await expect(card.getByTestId("reason")).toHaveText("No PhysioNet username recorded");

  // 1. PhysioNet account, validated like PhysioNet does.
  await page.getByLabel("PhysioNet username").fill("1abc");
  await page.getByRole("button", { name: "Save username" }).click();
  await expect(page.getByText("A PhysioNet username starts with a letter")).toBeVisible();
  await page.getByLabel("PhysioNet username").fill(E2E_PHYSIONET.credentialed.username);
  await page.getByRole("button", { name: "Save username" }).click();
  await expect(page.getByTestId("status-physionet-account")).toContainText(`PhysioNet account ${E2E_PHYSIONET.credentialed.username}`);

  // 2. CITI: not a PDF, then a certificate, are refused and nothing is kept; the report is queued.
  const upload = async (name: string, buffer: Buffer) => {
    await page.getByLabel(/CITI Completion Report/).setInputFiles({ name, mimeType: name.endsWith(".pdf") ? "application/pdf" : "text/plain", buffer });
    await page.getByRole("button", { name: "Upload report" }).click();
  };
  await upload("notes.txt", Buffer.from("my CITI notes"));
  const training = page.getByRole("region", { name: "2. CITI training" });
  await expect(training.getByRole("alert")).toContainText("This file is not a PDF");
  await upload("certificate.pdf", Buffer.from(await makeCitiPdf({ kind: "certificate", name: member.name })));
  await expect(training.getByRole("alert")).toContainText("This is a CITI Completion Certificate");
  await expect(page.getByTestId("my-trainings")).toHaveCount(0);
  await upload("report.pdf", Buffer.from(await makeCitiPdf({ name: member.name })));
  await expect(page.getByText(/A steward will review it/)).toBeVisible();
  await expect(page.getByTestId("my-trainings")).toContainText("pending");
  await expect(page.getByTestId("status-training")).toContainText("awaiting steward review");
  // The report is named by its own completion date, not by the upload.
  await expect(page.getByTestId("status-training")).toContainText("(completed ");
  await expect(page.getByTestId("training-completed")).toHaveText(/^\d{4}-\d\d-\d\d$/);

  // 3. Credentialing: a future date is refused; then the accepted application.
  const tomorrowPlus = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel("Application date").fill(tomorrowPlus);
  await page.getByRole("button", { name: "Record application" }).click();
  await expect(page.getByText("The application date cannot be in the future")).toBeVisible();
  await page.getByLabel("Application date").fill(today());
  await page.getByLabel("Stage on PhysioNet").selectOption("final_review");
  await page.getByLabel("Decision", { exact: true }).selectOption("accepted");
  await page.getByLabel("Decision date").fill(today());
  await page.getByRole("button", { name: "Record application" }).click();
  await expect(page.getByTestId("status-credentialing")).toContainText("Credentialed on PhysioNet since");

  // 4. The DUA for this exact version.
  const dua = card.getByRole("form", { name: `Record DUA signature for ${target}` });
  await dua.getByLabel("Signed on").fill(today());
  await dua.getByLabel("Your initials").fill(nameTokens(member.name).map((w) => w[0]).join(""));
  await dua.getByRole("button", { name: "Record signature" }).click();
  await expect(dua.getByText("Confirm that you signed this agreement on PhysioNet")).toBeVisible();
  await dua.getByLabel(/I signed this agreement/).check();
  await dua.getByRole("button", { name: "Record signature" }).click();
  await expect(card.locator('[data-step="dua"]')).toHaveAttribute("data-status", "pending");

  // 5. Verify with PhysioNet (the test upstream, through GNU wget): a wrong password, then the right one.
  const verify = card.getByRole("form", { name: `Verify ${target} with PhysioNet` });
  await verify.getByLabel(/PhysioNet password/).fill("not-my-password");
  await verify.getByRole("button", { name: "Verify with PhysioNet" }).click();
  await expect(verify.getByRole("status")).toContainText("did not accept your username or password (HTTP 401)");
  await verify.getByLabel(/PhysioNet password/).fill(E2E_PHYSIONET.credentialed.password);
  await verify.getByRole("button", { name: "Verify with PhysioNet" }).click();
  await expect(verify.getByRole("status")).toContainText("PhysioNet confirmed your access");
  await expect(card.locator('[data-step="verification"]')).toHaveAttribute("data-status", "done");
  await expect(card.getByTestId("access")).toHaveText("no access");
  expect((await page.request.get(datasetPath)).status()).toBe(403);

  // The steward reviews the report and the signature in the queue, then approves in the matrix.
  const sctx = await browser.newContext();
  const steward = await sctx.newPage();
  await loginAs(steward, lab.steward);
  await steward.goto("/stewardship/queue");
  for (const table of ["queue-trainings", "queue-duas"]) {
    const row = steward.getByTestId(table).locator(`tr[data-email="${member.email}"]`);
    await row.getByRole("button", { name: /^Accept / }).click();
    await steward.getByRole("dialog").getByRole("button", { name: "Accept" }).click();
    await expect(row).toHaveCount(0);
  }
  // Every step done: the member is listed as ready for approval in the queue itself.
  await expect(steward.getByTestId("ready-for-approval").locator(`tr[data-email="${member.email}"]`)).toHaveCount(1);
  await page.reload();
  await expect(card.getByTestId("reason")).toHaveText("Waiting for a steward to approve your access");
  await expect(card.getByTestId("steps-progress")).toHaveText("5 of 6 done");
  await steward.goto("/stewardship/access");
  await steward.getByRole("button", { name: `Approve access of ${member.email} to ${target}` }).click();
  await steward.getByRole("dialog", { name: "Approve access" }).getByRole("button", { name: "Approve" }).click();
  await expect(steward.getByRole("status")).toContainText("approved");
  await sctx.close();

  await page.reload();
  await expect(card.getByTestId("access")).toHaveText("access");
  await card.getByRole("link", { name: `Open ${target}` }).click();
  await expect(page).toHaveURL(new RegExp(`${datasetPath}$`));
  expect((await page.request.get(datasetPath)).status()).toBe(200);

  // Every step is in the audit log, and the PhysioNet password in none of it.
  const audit = await db.select().from(schema.auditLog).where(eq(schema.auditLog.actorId, member.id)).orderBy(schema.auditLog.id);
  expect(audit.map((a) => `${a.action}:${a.outcome}`)).toEqual(
    expect.arrayContaining(["physionet_account.set:ok", "training.submit:denied", "training.submit:ok", "credentialing.record:ok", "dua.sign:ok", "physionet.verify:denied", "physionet.verify:ok", "dataset.browse:ok"]),
  );
  expect(JSON.stringify(audit)).not.toContain(E2E_PHYSIONET.credentialed.password);
});

test("a member's CITI report is theirs and the stewards' only", async ({ page, lab, login, browser }) => {
  await login("researcher");
  await page.goto("/credentialing");
  await page.getByLabel(/CITI Completion Report/).setInputFiles({ name: "report.pdf", mimeType: "application/pdf", buffer: Buffer.from(await makeCitiPdf({ name: lab.researcher.name, recordId: "77001234" })) });
  await page.getByRole("button", { name: "Upload report" }).click();
  await expect(page.getByTestId("my-trainings")).toContainText("Record 77001234");
  const href = await page.getByRole("link", { name: "Record 77001234" }).getAttribute("href");
  const own = await page.request.get(href!);
  expect(own.status()).toBe(200);
  expect(own.headers()["content-type"]).toBe("application/pdf");
  expect(own.headers()["cache-control"]).toBe("no-store, private");
  expect((await own.body()).subarray(0, 5).toString()).toBe("%PDF-");

  for (const [who, status] of [["member", 404], ["steward", 200]] as const) {
    const context = await browser.newContext();
    const other = await context.newPage();
    await loginAs(other, lab[who]);
    expect((await other.request.get(href!)).status(), who).toBe(status);
    await context.close();
  }
});

test("an oversized, unreadable or edited upload gets a clear message and stores nothing", async ({ page, login }) => {
  const member = await login("member");
  const post = (name: string, buffer: Buffer) => page.request.post("/api/credentialing/trainings", { multipart: { trainingType: "citi-data-or-specimens", file: { name, mimeType: "application/pdf", buffer } } });
  const big = await post("huge.pdf", Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(6 * 1024 * 1024, 0x20)]));
  expect(big.status()).toBe(413);
  expect((await big.json()).error).toMatch(/larger than 5 MB/);
  const broken = await post("broken.pdf", Buffer.from("%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage"));
  expect(broken.status()).toBe(400);
  expect((await broken.json()).error).toMatch(/PDF/);
  const edited = await post("edited.pdf", Buffer.from(await makeCitiPdf({ name: member.name, recordId: "11112222" , verifyLink: "www.citiprogram.org/verify/?k3f9c2a71-5b0e-4d8a-9c61-2e7f0a4b8d15-99998888" })));
  expect(edited.status()).toBe(400);
  expect((await edited.json()).error).toMatch(/does not match its verification link/);
  const backwards = await post("backwards.pdf", Buffer.from(await makeCitiPdf({ name: member.name, completionDate: "10-Mar-2025", expirationDate: "09-Mar-2025" })));
  expect((await backwards.json()).error).toMatch(/not after its completion date/);
  const rows = await testDb().select().from(schema.trainings).where(eq(schema.trainings.userId, member.id));
  expect(rows).toEqual([]);
});
