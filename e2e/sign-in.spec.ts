import { expect, test } from "./support/fixtures";

test.describe("sign-in", () => {
  for (const role of ["admin", "steward", "member"] as const) {
    test(`${role} signs in with email and password through the form`, async ({ page, lab }) => {
      const user = lab[role];
      await page.goto("/login");
      await page.getByLabel("Email").fill(user.email.toUpperCase());
      await page.getByLabel("Password").fill(user.password);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await expect(page.getByTestId("whoami")).toContainText(`${user.email} · ${role}`);
      await expect(page.getByRole("link", { name: "Members", exact: true })).toHaveCount(role === "member" ? 0 : 1);
    });
  }

  test("wrong password and malformed email get clear messages and no session", async ({ page, lab, allowConsoleErrors }) => {
    allowConsoleErrors(/status of 401/); // next-auth answers a refused sign-in with 401
    await page.goto("/login");
    await page.getByLabel("Email").fill(lab.member.email);
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page.getByRole("alert").and(page.locator(".error"))).toHaveText("Wrong email or password.");
    await page.getByLabel("Email").fill("not-an-email");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page.getByRole("alert").and(page.locator(".error"))).toHaveText("Enter your email address and password.");
    expect((await page.context().cookies()).some((c) => c.name.endsWith("labgate.session"))).toBe(false);
  });

  for (const role of ["admin", "steward", "member"] as const) {
    test(`${role} signs in through the institution's OpenID Connect provider`, async ({ page, lab }) => {
      const user = lab[role];
      await page.goto("/login");
      await page.getByRole("button", { name: "Sign in with Test University" }).click();
      // oidc-provider's own login page, served by the real provider on loopback.
      await page.locator("input[name=login]").fill(user.email);
      await page.locator("input[name=password]").fill("anything");
      await page.locator("button[type=submit]").click();
      await expect(page.getByTestId("whoami")).toContainText(`${user.email} · ${role}`);
    });
  }

  test("OIDC sign-in for an email with no labgate account is refused with a clear message", async ({ page }) => {
    await page.goto("/login");
    await page.getByRole("button", { name: "Sign in with Test University" }).click();
    await page.locator("input[name=login]").fill(`stranger-${Date.now()}@example.org`);
    await page.locator("input[name=password]").fill("anything");
    await page.locator("button[type=submit]").click();
    await expect(page.getByRole("alert").and(page.locator(".error"))).toContainText("No labgate account uses that email");
    expect((await page.context().cookies()).some((c) => c.name.endsWith("labgate.session"))).toBe(false);
  });
});
