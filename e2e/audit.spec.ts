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
  // Names, not ids: the member who signed in, and the member whose sign-in it is.
  await expect(page.getByTestId("audit-table")).toContainText(lab.member.name);
  await expect(page.getByTestId("audit-table")).not.toContainText(lab.member.id);
  // The member filter: every row by or about the member, each linked to the member's timeline.
  await page.getByLabel("Member").selectOption(lab.member.id);
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(new RegExp(`member=${lab.member.id}`));
  await expect(page.getByTestId("audit-table")).toContainText("auth.sign_in");
  await expect(page.getByTestId("audit-table")).not.toContainText("invite.create");
  await page.getByRole("link", { name: "Clear" }).click();
  // The action picker, with "invite.*" for every invite action; details read as fields.
  await page.getByLabel("Action", { exact: true }).selectOption("invite.");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/action=invite\./);
  await expect(page.getByTestId("audit-total")).toHaveText(/^1 entries/);
  await expect(page.getByTestId("audit-table")).not.toContainText("auth.sign_in");
  await expect(page.getByTestId("audit-table").locator("dl.fields")).toContainText(invited);
  await expect(page.getByTestId("audit-target-link")).toHaveAttribute("href", "/members");

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
