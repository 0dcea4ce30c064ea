import { expect, test } from "./support/fixtures";
import { loginAs } from "./support/fixtures";

test("a steward invites a user who accepts, signs in, and cannot reuse the link", async ({ page, browser, login }) => {
  await login("steward");
  await page.goto("/members");
  const email = `invitee-${Date.now()}@example.org`;
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Role", { exact: true }).selectOption("member");
  await page.getByRole("button", { name: "Create invite" }).click();
  const link = (await page.getByTestId("invite-link").locator("code").textContent())!;
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{40,}$/);
  await expect(page.getByTestId("invites-table").locator(`tr[data-email="${email}"]`)).toContainText("pending");

  const invitee = await browser.newContext();
  const p2 = await invitee.newPage();
  await p2.goto(link);
  await expect(p2.getByText(`with the email ${email}`)).toBeVisible();
  await p2.getByLabel("Your name").fill("Ivy Invitee");
  await p2.getByLabel("Choose a password").fill("short");
  await p2.getByLabel("Repeat the password").fill("short");
  await p2.getByRole("button", { name: "Create my account" }).click();
  await expect(p2.getByText("Password must be at least 12 characters")).toBeVisible();
  await p2.getByLabel("Choose a password").fill("ivy-invitee-password");
  await p2.getByLabel("Repeat the password").fill("ivy-invitee-password");
  await p2.getByRole("button", { name: "Create my account" }).click();
  await expect(p2.getByTestId("whoami")).toContainText(`${email} · member`);

  const again = await (await browser.newContext()).newPage();
  await again.goto(link);
  await expect(again.getByRole("heading", { name: "Invite accepted" })).toBeVisible();
  await expect(again.getByText("has already been used")).toBeVisible();
  await invitee.close();

  await page.reload();
  await expect(page.getByTestId("members-table").locator(`tr[data-email="${email}"]`)).toContainText("Ivy Invitee");
  await expect(page.getByTestId("invites-table").locator(`tr[data-email="${email}"]`)).toContainText("accepted");
});

test("a deactivated user is thrown out on the next request", async ({ page, browser, lab, login, allowConsoleErrors }) => {
  allowConsoleErrors(/status of 401/);
  await login("member");
  await page.goto("/");
  await expect(page.getByTestId("whoami")).toContainText(lab.member.email);

  const stewardCtx = await browser.newContext();
  const sp = await stewardCtx.newPage();
  await loginAs(sp, lab.steward);
  await sp.goto("/members");
  sp.once("dialog", (d) => void d.accept());
  await sp.getByTestId("members-table").locator(`tr[data-email="${lab.member.email}"]`).getByRole("button", { name: "Deactivate" }).click();
  await expect(sp.getByTestId("members-table").locator(`tr[data-email="${lab.member.email}"]`)).toContainText("deactivated");
  await stewardCtx.close();

  const res = await page.goto("/");
  expect(res!.status()).toBe(401);
  await expect(page.getByRole("heading", { name: "Please sign in" })).toBeVisible();
  await expect(page.getByTestId("whoami")).toHaveCount(0);
  expect((await page.request.post(`/api/invites`, { data: { email: "x@example.org", role: "member" } })).status()).toBe(401);
});

// Four-eyes (decision 016): only an admin makes a steward; a steward's own attempt is in security-separation.spec.ts.
test("an admin changes a member's role; bad input to the API gets clear messages and changes nothing", async ({ page, lab, login }) => {
  await login("admin");
  await page.goto("/members");
  await page.getByLabel(`Role of ${lab.member.email}`).selectOption("steward");
  await expect(page.getByRole("status")).toHaveText(`${lab.member.email} is now steward.`);
  await page.reload();
  await expect(page.getByLabel(`Role of ${lab.member.email}`)).toHaveValue("steward");

  const bad = await page.request.post("/api/invites", { data: { email: "not an email", role: "member" } });
  expect(bad.status()).toBe(400);
  expect((await bad.json()).error).toMatch(/valid email/);
  const badRole = await page.request.post(`/api/members/${lab.member.id}/role`, { data: { role: "owner" } });
  expect(badRole.status()).toBe(400);
  expect((await badRole.json()).error).toMatch(/Role must be/);
  const crossSite = await page.request.post(`/api/members/${lab.member.id}/status`, { data: { status: "deactivated" }, headers: { origin: "https://evil.example" } });
  expect(crossSite.status()).toBe(403);
  await page.reload();
  await expect(page.getByTestId("members-table").locator(`tr[data-email="${lab.member.email}"]`)).toContainText("active");
});
