import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import * as schema from "@/db/schema";
import { eq } from "drizzle-orm";
import { testDb } from "./support/db";
import { expect, test } from "./support/fixtures";
import { E2E_JPG } from "./support/mimic-data";

// Every main page, as the persona who uses it: at a phone (390×844) and a tablet (768×1024) nothing
// is wider than the viewport, and at desktop size axe-core finds no serious or critical violation.
// One visit per page; the viewport changes under it (the layout reflows without a reload).

const SIZES = [
  { width: 390, height: 844 },
  { width: 768, height: 1024 },
];

async function checkPage(page: Page, path: string) {
  await page.setViewportSize(SIZES[0]!);
  const res = await page.goto(path);
  expect(res!.status(), path).toBeLessThan(400);
  for (const size of SIZES) {
    await page.setViewportSize(size);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${path} at ${size.width}px is ${overflow}px wider than the screen`).toBeLessThanOrEqual(0);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  const axe = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
  const bad = axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(" | ")}`);
  expect(bad, `${path}: axe serious/critical violations`).toEqual([]);
}

test("member: checklist with the steward's comment and progress, help page, a 403 that names the missing step; pages fit phones and pass axe", async ({ page, lab, login, allowConsoleErrors }) => {
  test.setTimeout(300_000);
  allowConsoleErrors(/status of 403/);
  const db = testDb();
  const [jpg] = await db.select().from(schema.datasets).where(eq(schema.datasets.id, lab.datasetIds.jpg));
  await db.insert(schema.duaSignatures).values({
    labId: lab.lab.id, userId: lab.member.id, datasetId: jpg!.id, duaName: jpg!.duaName, duaVersion: jpg!.duaVersion, signedOn: "2026-01-02", initials: "XX",
    status: "rejected", reviewComment: "The initials are not yours", reviewedBy: lab.steward.id, reviewedAt: new Date(), createdAt: new Date(),
  });
  await login("member");

  await checkPage(page, "/credentialing");
  const card = page.getByTestId(`dataset-${E2E_JPG.slug}-${E2E_JPG.version}`);
  await expect(card.getByTestId("rejection-dua")).toHaveText("Steward's comment: The initials are not yours");
  await expect(card.getByTestId("steps-progress")).toHaveText("0 of 6 done");
  await expect(card.locator('[data-step="training"] details a').first()).toHaveAttribute("href", /^https:\/\/physionet\.org\//);

  await checkPage(page, "/help");
  await expect(page.getByTestId("help-stewards").getByRole("link", { name: lab.steward.email })).toHaveAttribute("href", `mailto:${lab.steward.email}?subject=labgate%20access`);
  await expect(page.getByTestId("help-steps").locator("li")).toHaveCount(6);

  // The 403 page names the step and leads to the checklist.
  const refused = await page.goto(`/datasets/${E2E_JPG.slug}/${E2E_JPG.version}`);
  expect(refused!.status()).toBe(403);
  await expect(page.getByTestId("refusal")).toContainText(`You have no access to ${E2E_JPG.slug} ${E2E_JPG.version} yet — the missing step is PhysioNet account`);
  await expect(page.getByRole("link", { name: "Open your access checklist" })).toHaveAttribute("href", "/credentialing");

  for (const path of ["/", "/datasets", "/notifications", "/downloads"]) await checkPage(page, path);

  // The menu button under 900 px.
  await page.setViewportSize(SIZES[0]!);
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav).toBeHidden();
  await page.getByRole("button", { name: "Menu" }).click();
  await expect(nav.getByRole("link", { name: "Help" })).toBeVisible();
  await nav.getByRole("link", { name: "Help" }).click();
  await expect(page).toHaveURL(/\/help$/);
  await expect(nav).toBeHidden();
});

// The explorer's phone check (filters in a drawer) is in e2e/cohort-paper.spec.ts; the viewer is
// left out until it fits a phone.
test("steward: the working pages fit phones and tablets and pass axe", async ({ page, lab, login }) => {
  test.setTimeout(300_000);
  await login("steward");
  for (const path of ["/stewardship", "/stewardship/queue", "/stewardship/access", "/stewardship/expiring", "/audit", "/members", `/members/${lab.member.id}/timeline`, "/settings"]) await checkPage(page, path);
});
