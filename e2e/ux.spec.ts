import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import * as schema from "@/db/schema";
import { eq } from "drizzle-orm";
import { randomUUID } from "node:crypto";
import { routeRegistry, type Access } from "@/lib/auth/route-registry";
import { miniStudies } from "@/tests/mimic/mini-mimic";
import { testDb } from "./support/db";
import { expect, loginAs, test } from "./support/fixtures";
import { E2E_JPG } from "./support/mimic-data";

// Every page in the route registry, as the persona who uses it: at a phone (390×844) and a tablet
// (768×1024) nothing is wider than the viewport (wide tables scroll inside their card), and at
// desktop size axe-core finds no serious or critical WCAG 2 A/AA violation. One visit per page; the
// viewport changes under it (the layout reflows without a reload). Each persona checks the pages of
// its own level (a member's, a steward's, …) plus the home page, which differs per role.

const SIZES = [
  { width: 390, height: 844 },
  { width: 768, height: 1024 },
];

async function checkPage(page: Page, path: string, opts: { status?: number } = {}) {
  await page.setViewportSize(SIZES[0]!);
  const res = await page.goto(path);
  expect(res!.status(), path).toBe(opts.status ?? 200);
  for (const size of SIZES) {
    await page.setViewportSize(size);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect.soft(overflow, `${path} at ${size.width}px is ${overflow}px wider than the screen`).toBeLessThanOrEqual(0);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(" | ")}`);
  expect.soft(bad, `${path}: axe serious/critical violations`).toEqual([]);
}

type Persona = "anonymous" | "member" | "researcher" | "steward" | "admin";
const LEVEL: Record<Persona, Access> = { anonymous: "public", member: "member", researcher: "dataset", steward: "steward", admin: "admin" };

/** The registry's pages (not /api) a persona's level opens, with samples filled as e2e/route-access.spec.ts does. */
function pagesOf(persona: Persona, memberId: string): { path: string; status: number }[] {
  const pages = Object.entries(routeRegistry)
    .filter(([route, decl]) => !route.startsWith("/api/") && decl.methods.GET === LEVEL[persona])
    .map(([route, decl]) => ({
      route,
      path: (decl.sample ?? route)
        .replace("{member}", memberId)
        .replace("{missing}", randomUUID())
        .replace("{dataset}", `${E2E_JPG.slug}/${E2E_JPG.version}`)
        .replace("{study}", String(miniStudies()[0]!.study)),
      status: decl.allowedStatus ?? 200,
    }));
  if (persona !== "anonymous" && persona !== "member") pages.push({ route: "/", path: "/", status: 200 });
  return pages;
}

test("member: checklist with the steward's comment and progress, help page, a 403 that names the missing step; pages fit phones and pass axe", async ({ page, lab, login, allowConsoleErrors }) => {
  test.setTimeout(300_000);
  allowConsoleErrors(/status of 403|status of 404/);
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
  await expect(page.getByTestId("help-steps").locator("li")).toHaveCount(7);

  // The 403 page names the step and leads to the checklist.
  const refused = await page.goto(`/datasets/${E2E_JPG.slug}/${E2E_JPG.version}`);
  expect(refused!.status()).toBe(403);
  await expect(page.getByTestId("refusal")).toContainText(`You have no access to ${E2E_JPG.slug} ${E2E_JPG.version} yet — the missing step is PhysioNet account`);
  await expect(page.getByRole("link", { name: "Open your access checklist" })).toHaveAttribute("href", "/credentialing");

  for (const p of pagesOf("member", lab.member.id)) if (p.path !== "/credentialing" && p.path !== "/help") await checkPage(page, p.path, p);

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

for (const persona of ["anonymous", "researcher", "steward", "admin"] as const) {
  test(`${persona}: every page of theirs fits phones and tablets and passes axe`, async ({ page, lab, allowConsoleErrors }) => {
    test.setTimeout(300_000);
    // The registry's samples for pages of one record are ids that do not exist: a 404 page is checked too.
    allowConsoleErrors(/status of 404/);
    if (persona !== "anonymous") await loginAs(page, lab[persona]);
    for (const p of pagesOf(persona, lab.member.id)) await checkPage(page, p.path, p);
  });
}
