import { readFileSync } from "node:fs";
import { expect, test } from "./support/fixtures";

test("the steward reads the audit log, filters it and exports CSV", async ({ page, lab, login }) => {
  await login("member"); // leaves an auth.sign_in row in this lab
  await page.context().clearCookies();
  await login("steward");
  const invited = `audited-${Date.now()}@example.org`;
  expect((await page.request.post("/api/invites", { data: { email: invited, role: "member" } })).status()).toBe(200);

  await page.goto("/audit");
  await expect(page.getByTestId("audit-table")).toContainText("invite.create");
  await expect(page.getByTestId("audit-table")).toContainText(lab.member.email);
  await page.getByRole("textbox", { name: "Action" }).fill("invite.");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/action=invite\./);
  await expect(page.getByTestId("audit-total")).toHaveText(/^1 entries/);
  await expect(page.getByTestId("audit-table")).not.toContainText("auth.sign_in");

  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export CSV" }).click();
  const csv = readFileSync(await (await download).path(), "utf8");
  const lines = csv.trim().split("\n");
  expect(lines[0]).toBe("id,at,actor_email,action,target_type,target_id,outcome,ip,details,prev_hash,hash");
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain("invite.create");
  expect(lines[1]).toContain(invited);
});

test("a member cannot see the audit log", async ({ page, login, allowConsoleErrors }) => {
  allowConsoleErrors(/status of 403/);
  await login("member");
  const res = await page.goto("/audit");
  expect(res!.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
});
