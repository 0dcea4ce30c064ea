import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { expect, loginAs, test } from "./support/fixtures";

// The README's screenshots come from here. Each run writes them to test-results/screenshots;
// LABGATE_UPDATE_SCREENSHOTS=1 also copies them to docs/screenshots for committing.
const OUT = "test-results/screenshots";

async function shoot(page: import("@playwright/test").Page, name: string) {
  mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (process.env.LABGATE_UPDATE_SCREENSHOTS === "1") {
    mkdirSync("docs/screenshots", { recursive: true });
    copyFileSync(file, path.join("docs/screenshots", `${name}.png`));
  }
}

test("screenshots of the main pages", async ({ page, login, lab, browser, baseURL }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto("/login");
  await expect(page.getByRole("heading", { name: "Sign in to labgate" })).toBeVisible();
  await shoot(page, "login");

  await login("steward");
  await page.request.post("/api/invites", { data: { email: `new-postdoc-${Date.now()}@example.org`, role: "member" } });
  await page.goto("/");
  await expect(page.getByRole("heading", { name: /Welcome/ })).toBeVisible();
  await shoot(page, "home");
  await page.goto("/members");
  await expect(page.getByRole("heading", { name: "Members", exact: true })).toBeVisible();
  await shoot(page, "members");
  await page.goto("/audit");
  await expect(page.getByTestId("audit-table")).toContainText("invite.create");
  await shoot(page, "audit-log");

  // The lab asks for PhysioNet's responsible use of online services and a yearly re-confirmation;
  // the researcher sees it on their checklist and in the dataset list's requirements.
  const policy = await page.request.post("/api/settings/access-policy", { data: { verificationValidDays: null, warningDays: 30, responsibleUseRequired: true, reattestMonths: 12 } });
  expect(policy.status()).toBe(200);
  const ctx = await browser.newContext({ baseURL });
  const researcher = await ctx.newPage();
  await researcher.setViewportSize({ width: 1280, height: 800 });
  await loginAs(researcher, lab.researcher);
  await researcher.goto("/datasets");
  await expect(researcher.getByTestId("requires").first()).toContainText("PhysioNet credentialing");
  await shoot(researcher, "datasets");
  await researcher.goto("/credentialing");
  await expect(researcher.getByRole("heading", { name: "4. Responsible use of online services" })).toBeVisible();
  await shoot(researcher, "checklist");
  await ctx.close();
});
