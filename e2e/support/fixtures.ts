import { test as base, expect, type Page } from "@playwright/test";
import { seedLab, type Persona } from "./db";

type Lab = Awaited<ReturnType<typeof seedLab>>;

/** Signs a persona in through next-auth's credentials endpoint, without clicking through the form. */
export async function loginAs(page: Page, user: Pick<Persona, "email" | "password">): Promise<void> {
  const { csrfToken } = (await (await page.request.get("/api/auth/csrf")).json()) as { csrfToken: string };
  const res = await page.request.post("/api/auth/callback/credentials", { form: { csrfToken, email: user.email, password: user.password, json: "true" } });
  expect(res.status(), `sign-in of ${user.email}`).toBeLessThan(400);
  const cookies = await page.context().cookies();
  expect(cookies.some((c) => c.name.endsWith("labgate.session")), `session cookie for ${user.email}`).toBe(true);
}

// Tests talk to loopback servers only; anything else is a bug in the page (or a test tool's page)
// and is cut off before it reaches the network.
const LOOPBACK = /^(https?|wss?):\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?\//;

export const test = base.extend<{
  lab: Lab;
  login: (role: "admin" | "steward" | "member" | "researcher") => Promise<Persona>;
  allowConsoleErrors: (pattern: RegExp) => void;
}>({
  context: async ({ context }, provide) => {
    await context.route((url) => !LOOPBACK.test(url.toString()) && !url.protocol.startsWith("data") && !url.protocol.startsWith("blob"), (r) => r.abort("blockedbyclient"));
    await provide(context);
  },
  lab: async ({}, provide) => {
    await provide(await seedLab());
  },
  login: async ({ page, lab }, provide) => {
    await provide(async (role) => {
      await loginAs(page, lab[role]);
      return lab[role];
    });
  },
  // An unexpected console error in the page fails the test; expected ones are named per test.
  allowConsoleErrors: [
    async ({ page }, provide) => {
      const allowed: RegExp[] = [];
      const errors: string[] = [];
      page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      page.on("pageerror", (e) => errors.push(String(e)));
      await provide((p) => allowed.push(p));
      expect(errors.filter((e) => !allowed.some((p) => p.test(e))), "unexpected console errors").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
