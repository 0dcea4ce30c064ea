import { expect, test } from "./support/fixtures";

test("the admin page shows the lab, operations and held versions, and the doctor runs every check", async ({ page, login, lab }) => {
  await login("admin");
  await page.goto("/admin");
  await expect(page.getByTestId("admin-lab")).toContainText(lab.lab.name);
  await expect(page.getByTestId("admin-operations")).toContainText("Lab storage: directory");
  await expect(page.getByTestId("admin-worker")).toContainText("Background worker:");
  await expect(page.getByTestId("admin-versions").locator("tbody tr")).toHaveCount(2);
  await expect(page.getByTestId("audit-checkpoints").getByTestId("checkpoint-key")).toHaveText(/^ed25519:[0-9a-f]{16}$/);
  await page.getByRole("link", { name: "Run every check (doctor)" }).click();
  const checks = page.getByTestId("doctor-checks");
  for (const name of ["database", "lab storage", "GNU wget", "PhysioNet", "mail (SMTP)", "institution sign-in (OIDC)", "background worker", "audit chain"]) {
    await expect(checks.locator(`tr[data-check="${name}"]`)).toHaveCount(1);
  }
  await expect(checks.locator('tr[data-check="database"] td').nth(1)).toHaveText("ok");
  await expect(checks.locator('tr[data-check="GNU wget"] td').nth(1)).toHaveText("ok");
});

test("stewards and members get no admin page", async ({ page, login, allowConsoleErrors }) => {
  allowConsoleErrors(/status of 403/);
  await login("steward");
  expect((await page.goto("/admin"))!.status()).toBe(403);
  expect((await page.goto("/admin/doctor"))!.status()).toBe(403);
});
