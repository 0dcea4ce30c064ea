import { and, eq } from "drizzle-orm";
import * as schema from "@/db/schema";
import { testDb } from "./support/db";
import { expect, loginAs, test } from "./support/fixtures";
import { E2E_CXR, E2E_VIEWER } from "./support/mimic-data";

// Decision 038, over HTTP as the people who use it: a steward requires PhysioNet's responsible use of
// online services and a yearly re-confirmation; the researcher's image bytes stop (every one of many
// parallel requests) until they attest on their checklist, and stop again when their DUA
// re-confirmation is overdue, until they re-confirm; the steward's matrix shows the attestation date.

test("responsible use and re-confirmation gate image bytes; the member attests and re-confirms on the checklist", async ({ page, lab, login, browser, baseURL }) => {
  test.setTimeout(180_000);
  const image = `/api/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/images/${E2E_VIEWER.dicom[0].dicomId}`;
  const researcherCtx = await browser.newContext({ baseURL });
  const researcher = await researcherCtx.newPage();
  await loginAs(researcher, lab.researcher);
  expect((await researcher.request.get(image)).status()).toBe(200);

  // The steward turns both on in the settings form.
  await login("steward");
  await page.goto("/settings");
  await page.getByLabel(/Members attest to responsible use of online services/).check();
  await page.getByLabel(/Members re-confirm DUAs and attestations every/).fill("12");
  await page.getByRole("button", { name: "Save" }).first().click();
  await expect(page.getByRole("status").first()).toHaveText("Saved.");

  // Refused on the next request, every one of many at once, with no image byte.
  const refused = await Promise.all(Array.from({ length: 24 }, () => researcher.request.get(image)));
  expect(refused.map((r) => r.status())).toEqual(Array(24).fill(403));
  for (const r of refused) expect((await r.body()).includes(Buffer.from("DICM"))).toBe(false);

  // The researcher reads the text and attests on the checklist.
  await researcher.goto("/credentialing");
  const section = researcher.getByRole("region", { name: "4. Responsible use of online services" });
  await expect(section.getByTestId("status-responsible-use")).toContainText("missing");
  await expect(section.getByTestId("responsible-use-text")).toContainText("retains none of the data");
  await section.getByRole("button", { name: "Attest" }).click();
  await expect(section.getByRole("alert")).toHaveText("Confirm that you have read the text and agree to it");
  await section.getByLabel(/I have read the Responsible use/).check();
  await section.getByRole("button", { name: "Attest" }).click();
  await expect(section.getByTestId("status-responsible-use")).toContainText("done");
  expect((await researcher.request.get(image)).status()).toBe(200);

  // The steward's matrix shows the attestation date beside the researcher's cell.
  await page.goto("/stewardship/access");
  const row = page.getByRole("row").filter({ hasText: lab.researcher.email });
  await expect(row.getByTestId("cell-responsibleUseOn").first()).toHaveText(new Date().toISOString().slice(0, 10));

  // A DUA signed 13 months ago is overdue under a yearly re-confirmation: access ends by the rule.
  const db = testDb();
  const [cxr] = await db.select().from(schema.datasets).where(and(eq(schema.datasets.slug, E2E_CXR.slug), eq(schema.datasets.version, E2E_CXR.version)));
  const longAgo = new Date(Date.now() - 400 * 86_400_000).toISOString().slice(0, 10);
  await db.update(schema.duaSignatures).set({ signedOn: longAgo }).where(and(eq(schema.duaSignatures.userId, lab.researcher.id), eq(schema.duaSignatures.datasetId, cxr!.id)));
  expect((await researcher.request.get(image)).status()).toBe(403);
  await researcher.goto("/credentialing");
  const card = researcher.getByTestId(`dataset-${E2E_CXR.slug}-${E2E_CXR.version}`);
  await expect(card.getByTestId("access")).toHaveText("no access");
  await expect(card.getByTestId("reason")).toContainText("re-confirmation of the PhysioNet Credentialed Health Data Use Agreement 1.5.0");
  await card.getByLabel(/I confirm again that I follow/).check();
  await card.getByRole("button", { name: `Re-confirm DUA for ${E2E_CXR.slug} ${E2E_CXR.version}` }).click();
  await expect(card.getByTestId("access")).toHaveText("access");
  expect((await researcher.request.get(image)).status()).toBe(200);
  await researcherCtx.close();
});
