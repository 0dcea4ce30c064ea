import { request as playwrightRequest, type Page } from "@playwright/test";
import type { Persona } from "./support/db";
import { expect, loginAs, test } from "./support/fixtures";

test.describe.configure({ timeout: 180_000 });

const APP = `http://localhost:${process.env.E2E_PORT ?? 3100}`;

async function signInThroughForm(page: Page, user: Pick<Persona, "email" | "password">) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

test("a member changes their password in the browser and signs in with the new one, not the old one", async ({ page, lab, browser, allowConsoleErrors }) => {
  // The wrong current password below is answered with a 400.
  allowConsoleErrors(/status of 400/);
  const member = lab.member;
  await loginAs(page, member);
  await page.goto("/account/sessions");
  await page.getByRole("link", { name: "Change your password" }).click();
  await expect(page).toHaveURL(/\/account\/password$/);
  const fresh = "a fresh passphrase for e2e";
  // A wrong current password is refused beside its field.
  await page.getByLabel("Current password").fill("not the password at all");
  await page.getByLabel("New password (at least 12 characters)").fill(fresh);
  await page.getByLabel("Repeat the new password").fill(fresh);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Your current password is not right.")).toBeVisible();
  await page.getByLabel("Current password").fill(member.password);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("status")).toContainText("Your password was changed.");
  // This browser stays signed in.
  expect((await page.request.get("/", { maxRedirects: 0 })).status()).toBe(200);

  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signInThroughForm(otherPage, member);
  await expect(otherPage.getByRole("alert")).toBeVisible();
  await expect(otherPage).toHaveURL(/\/login/);
  await signInThroughForm(otherPage, { email: member.email, password: fresh });
  await expect(otherPage).toHaveURL(`${APP}/`);
  await other.close();
});

test("an admin issues a reset link; the member sets a new password with it; their old session ends and the link stops working", async ({ page, lab, browser }) => {
  const member = lab.member;
  // The member's earlier session, as a cookie kept elsewhere.
  const before = await browser.newContext();
  const beforePage = await before.newPage();
  await loginAs(beforePage, member);
  const cookie = (await before.cookies()).find((c) => c.name === "labgate.session")!;
  const old = await playwrightRequest.newContext({ baseURL: APP, extraHTTPHeaders: { cookie: `labgate.session=${cookie.value}` } });
  expect((await old.get("/", { maxRedirects: 0 })).status()).toBe(200);

  await loginAs(page, lab.admin);
  await page.goto("/members");
  page.on("dialog", (d) => void d.accept());
  const row = page.locator(`tr[data-email="${member.email}"]`);
  await row.getByRole("button", { name: "Reset link" }).click();
  const url = await row.getByLabel(`Reset link for ${member.email}`).inputValue();
  expect(url).toMatch(/\/reset-password\/[A-Za-z0-9_-]{43}$/);
  const path = new URL(url).pathname;

  const fresh = "reset by the admin's link";
  const memberCtx = await browser.newContext();
  const memberPage = await memberCtx.newPage();
  await memberPage.goto(path);
  await expect(memberPage.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
  await memberPage.getByLabel("New password (at least 12 characters)").fill(fresh);
  await memberPage.getByLabel("Repeat the new password").fill(fresh);
  await memberPage.getByRole("button", { name: "Set new password" }).click();
  await expect(memberPage.getByRole("status")).toContainText("Your password was changed");

  expect((await old.get("/", { maxRedirects: 0 })).status()).toBe(401);
  await memberPage.goto(path);
  await expect(memberPage.getByRole("heading", { name: "Reset link not valid" })).toBeVisible();
  const again = await memberPage.request.post("/api/account/password-reset", { data: { token: path.split("/").pop(), password: "one more passphrase here" }, headers: { origin: APP } });
  expect(again.status()).toBe(410);

  await signInThroughForm(memberPage, { email: member.email, password: fresh });
  await expect(memberPage).toHaveURL(`${APP}/`);
  await old.dispose();
  await before.close();
  await memberCtx.close();
});
