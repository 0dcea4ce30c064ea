import { request as playwrightRequest, type APIRequestContext } from "@playwright/test";
import { seedLab, type Persona } from "./support/db";
import { expect, test } from "./support/fixtures";

// Attacks on password change and reset, over plain HTTP against the running app (no SMTP_URL here).
test.describe.configure({ timeout: 180_000 });

const APP = `http://localhost:${process.env.E2E_PORT ?? 3100}`;

async function signedIn(user: Pick<Persona, "email" | "password">): Promise<APIRequestContext> {
  const api = await playwrightRequest.newContext({ baseURL: APP, extraHTTPHeaders: { origin: APP } });
  const { csrfToken } = (await (await api.get("/api/auth/csrf")).json()) as { csrfToken: string };
  const res = await api.post("/api/auth/callback/credentials", { form: { csrfToken, email: user.email, password: user.password, json: "true" } });
  expect(res.status(), `sign-in of ${user.email}`).toBeLessThan(400);
  return api;
}

test("only an admin issues reset links, only for others of their own lab", async ({ lab }) => {
  const other = await seedLab();
  const issue = async (actor: Persona, userId: string) => (await (await signedIn(actor)).post("/api/account/reset-links", { data: { userId } })).status();
  expect(await issue(lab.member, lab.researcher.id)).toBe(403);
  expect(await issue(lab.steward, lab.member.id)).toBe(403);
  expect(await issue(lab.steward, lab.admin.id)).toBe(403);
  expect(await issue(lab.admin, lab.admin.id)).toBe(403);
  expect(await issue(lab.admin, other.member.id)).toBe(404);
  expect(await issue(lab.admin, lab.member.id)).toBe(200);
});

test("one reset link used by twenty parallel requests sets the password exactly once", async ({ lab }) => {
  const admin = await signedIn(lab.admin);
  const { url } = (await (await admin.post("/api/account/reset-links", { data: { userId: lab.member.id } })).json()) as { url: string };
  const token = url.split("/").pop();
  const anon = await playwrightRequest.newContext({ baseURL: APP, extraHTTPHeaders: { origin: APP } });
  const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => anon.post("/api/account/password-reset", { data: { token, password: `parallel passphrase ${i}` } }).then((r) => r.status())));
  expect(statuses.filter((s) => s === 200)).toHaveLength(1);
  expect(statuses.filter((s) => s === 410)).toHaveLength(19);
});

test("a stolen session cookie cannot guess the current password: the sixth wrong guess is refused by the limit", async ({ lab }) => {
  const thief = await signedIn(lab.member);
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await thief.post("/api/account/password", { data: { currentPassword: `guess ${i}`, newPassword: "taken over by a thief" } })).status());
  expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
  // A cross-site form post is refused before anything is checked.
  const crossSite = await thief.post("/api/account/password", { data: { currentPassword: lab.member.password, newPassword: "taken over by a thief" }, headers: { origin: "https://evil.example" } });
  expect(crossSite.status()).toBe(403);
});

test("without SMTP, email reset is not offered and the endpoint says to ask an admin", async ({ page }) => {
  await page.goto("/login");
  await expect(page.getByRole("link", { name: "Forgot your password?" })).toHaveCount(0);
  await page.goto("/forgot-password");
  await expect(page.getByText("Ask your lab's admin for a one-time reset link.")).toBeVisible();
  const anon = await playwrightRequest.newContext({ baseURL: APP, extraHTTPHeaders: { origin: APP } });
  const res = await anon.post("/api/account/forgot-password", { data: { email: "someone@example.org" } });
  expect(res.status()).toBe(404);
});
