import { expect, test, type Browser } from "@playwright/test";
import pg from "pg";
import { DEMO_USERS } from "../scripts/lib/demo-seed";
import { runMigrations } from "../scripts/lib/database";
import { emptyDatabase, runCommand, startLabgate } from "./support/spawn-start";

// Day one of a real lab: its own PostgreSQL server (DATABASE_URL), no demo accounts, the lab and its
// first admin made by `npm run setup` or the one-time first-run page. Each test runs `npm start` on a
// database of its own, so these run one at a time.
test.describe.configure({ mode: "serial", timeout: 240_000 });

async function rows(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

async function demoPasswordsFail(browser: Browser, baseURL: string) {
  const ctx = await browser.newContext({ baseURL });
  const page = await ctx.newPage();
  // One page for every attempt, as a person retrying would: each attempt's answer is awaited before
  // its message is checked (a submit clears the previous one), so the message seen is that attempt's.
  await page.goto("/login");
  for (const u of DEMO_USERS) {
    await page.getByLabel("Email").fill(u.email);
    await page.getByLabel("Password").fill(u.password);
    const answered = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/auth/callback/credentials");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    expect((await answered).status(), u.email).toBeLessThan(500);
    await expect(page.getByText(/Wrong email or password|No labgate account uses this email/)).toBeVisible();
    await expect(page.getByTestId("whoami")).toHaveCount(0);
  }
  await ctx.close();
}

async function fillSetupForm(page: import("@playwright/test").Page) {
  await page.getByLabel("Lab name").fill("Chest Imaging Lab");
  await page.getByLabel("Institution").fill("Example University");
  await page.getByLabel("First admin's name").fill("Pat Investigator");
  await page.getByLabel("First admin's email").fill("pi@example.edu");
  await page.getByLabel("Admin password").fill("pat-investigator-password");
  await page.getByLabel("Repeat the password").fill("pat-investigator-password");
}

async function inviteFromMembersPage(page: import("@playwright/test").Page, email: string, role: "steward" | "member") {
  await page.goto("/members");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Role", { exact: true }).selectOption(role);
  await page.getByRole("button", { name: "Create invite" }).click();
  await expect(page.getByTestId("invites-table").locator(`tr[data-email="${email}"]`)).toContainText("pending");
}

test("npm start on a lab's own server seeds no demo, prints a one-time setup link, and the first-run page makes the lab", async ({ browser }) => {
  const db = await emptyDatabase();
  const app = await startLabgate({ databaseUrl: db.url });
  try {
    const [, link] = await app.waitFor(/one-time link[^\n]*\n\s+(http\S+\/setup\?token=\S+)/);
    expect(app.output()).not.toMatch(/demo-(admin|steward|member|researcher)-password|Demo lab/);
    expect(await rows(db.url, "select count(*)::int as n from users")).toEqual([{ n: 0 }]);
    expect(await rows(db.url, "select count(*)::int as n from labs")).toEqual([{ n: 0 }]);

    const ctx = await browser.newContext({ baseURL: app.url });
    const page = await ctx.newPage();
    await page.goto("/login");
    await expect(page.getByRole("heading", { name: "labgate is not set up yet" })).toBeVisible();
    // Without the token the page refuses; the token works once.
    await page.goto("/setup");
    await fillSetupForm(page);
    await page.getByLabel(/Setup token/).fill("not-the-printed-token");
    await page.getByRole("button", { name: "Create the lab" }).click();
    await expect(page.getByText("This setup link is not valid any more")).toBeVisible();
    await page.goto(link!.replace(/^http:\/\/localhost:\d+/, app.url));
    await fillSetupForm(page);
    await page.getByRole("button", { name: "Create the lab" }).click();
    await expect(page.getByTestId("whoami")).toContainText("pi@example.edu · admin");
    await expect(page.getByTestId("demo-banner")).toHaveCount(0);
    await inviteFromMembersPage(page, "steward@example.edu", "steward");
    await inviteFromMembersPage(page, "member@example.edu", "member");
    // The page is gone once a user exists.
    expect((await page.request.get("/setup")).status()).toBe(404);
    const cookies = (await ctx.cookies()).filter((c) => c.name.endsWith("labgate.session"));
    expect(cookies.length).toBeGreaterThan(0);
    await ctx.close();

    // The server's log (docs/decisions/024): one JSON line per request and per job, by route, with
    // the request's id and the signed-in user's; none holds the setup token, the password, the
    // session cookie or an invite's token (the banner above printed the link for the operator).
    const setupToken = new URL(link!).searchParams.get("token")!;
    const logLines = app.output().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
    const requests = logLines.filter((l) => l.msg === "request" && l.service === "web");
    expect(requests.find((l) => l.route === "/setup" && l.status === 200)).toMatchObject({ reqId: expect.stringMatching(/^[0-9a-f-]{36}$/), method: "GET", ms: expect.any(Number) });
    const adminId = ((await rows(db.url, "select id from users where email = 'pi@example.edu'")) as { id: string }[])[0]!.id;
    expect(requests.filter((l) => l.route === "/members").every((l) => l.userId === adminId)).toBe(true);
    expect(requests.filter((l) => l.route === "/members").length).toBeGreaterThanOrEqual(2);
    expect(new Set(requests.map((l) => l.reqId)).size).toBe(requests.length);
    await app.waitFor(/"service":"worker","job":"audit-checkpoint"[^\n]*"ok":true[^\n]*"msg":"job"/);
    const jsonText = logLines.map((l) => JSON.stringify(l)).join("\n");
    for (const secret of [setupToken, "pat-investigator-password", ...cookies.map((c) => c.value)]) expect(jsonText).not.toContain(secret);
    expect(jsonText).not.toMatch(/\/invite\/[A-Za-z0-9_-]{16,}/);

    await demoPasswordsFail(browser, app.url);
    const audit = await rows(db.url, "select action, outcome from audit_log where action like 'setup.%' order by id");
    expect(audit).toEqual([
      { action: "setup.token_issued", outcome: "ok" },
      { action: "setup.lab", outcome: "denied" },
      { action: "setup.lab", outcome: "ok" },
    ]);
  } finally {
    await app.stop();
    await db.drop();
  }
});

test("`npm run setup` makes the lab on an empty server; the admin signs in after `npm start`", async ({ browser }) => {
  const db = await emptyDatabase();
  await runMigrations(db.url);
  // The README's command, as written there; the password comes from the environment through stdin.
  const setup = runCommand(
    `printf '%s' "$ADMIN_PASSWORD" | npm run setup -- --lab-name "Chest Imaging Lab" --institution "Example University" --admin-email pi@example.edu --admin-name "Pat Investigator" --password-stdin`,
    { DATABASE_URL: db.url, ADMIN_PASSWORD: "pat-investigator-password" },
  );
  setup.child.stdin!.end();
  const code = await setup.exited;
  expect(setup.output()).toContain('lab "Chest Imaging Lab" created; pi@example.edu is its admin');
  expect(setup.output()).not.toContain("pat-investigator-password");
  expect(code).toBe(0);
  const app = await startLabgate({ databaseUrl: db.url });
  try {
    expect(app.output()).not.toMatch(/setup\?token=|Demo lab/);
    const ctx = await browser.newContext({ baseURL: app.url });
    const page = await ctx.newPage();
    await page.goto("/login");
    await page.getByLabel("Email").fill("pi@example.edu");
    await page.getByLabel("Password").fill("pat-investigator-password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page.getByTestId("whoami")).toContainText("pi@example.edu · admin");
    await inviteFromMembersPage(page, "steward@example.edu", "steward");
    await ctx.close();
    await demoPasswordsFail(browser, app.url);
  } finally {
    await app.stop();
    await db.drop();
  }
});

test("LABGATE_DEMO=1 asks for the demo lab on a lab's server, and every page says it is one", async ({ browser }) => {
  const db = await emptyDatabase();
  const app = await startLabgate({ databaseUrl: db.url, env: { LABGATE_DEMO: "1", LABGATE_DEMO_DATA: "0" } });
  try {
    expect(app.output()).toMatch(/admin@demo\.labgate\.test {2}\/ {2}demo-admin-password/);
    const ctx = await browser.newContext({ baseURL: app.url });
    const page = await ctx.newPage();
    await page.goto("/login");
    await expect(page.getByTestId("demo-banner")).toContainText("synthetic data");
    await page.getByLabel("Email").fill("admin@demo.labgate.test");
    await page.getByLabel("Password").fill("demo-admin-password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page.getByTestId("whoami")).toContainText("admin@demo.labgate.test");
    await expect(page.getByTestId("demo-banner")).toBeVisible();
    await ctx.close();
  } finally {
    await app.stop();
    await db.drop();
  }
});
