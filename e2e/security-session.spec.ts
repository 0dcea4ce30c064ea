import { spawn, type ChildProcess } from "node:child_process";
import { createServer as createHttpsServer, type Server } from "node:https";
import { request as httpRequest } from "node:http";
import { and, eq } from "drizzle-orm";
import { request as playwrightRequest, type APIRequestContext, type Page } from "@playwright/test";
import * as schema from "@/db/schema";
import { createSelfSignedTls } from "@/lib/physionet/upstream/tls";
import { testDb, type Persona } from "./support/db";
import { expect, loginAs, test } from "./support/fixtures";
import { E2E_CXR, E2E_VIEWER } from "./support/mimic-data";

// Several sign-ins per test, on a machine shared with other builds: give each test room.
test.describe.configure({ timeout: 180_000 });

const APP = `http://localhost:${process.env.E2E_PORT ?? 3100}`;
const studyUrl = `/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/studies/${E2E_VIEWER.study}`;
const imageUrl = `/api/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/images/${E2E_VIEWER.dicom[0].dicomId}`;
const thumbUrl = `/api/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/thumbnails/${E2E_VIEWER.dicom[0].dicomId}`;

/** A second client holding only a copy of the browser's session cookie, as a thief would. */
async function withCopiedCookie(page: Page): Promise<APIRequestContext> {
  const cookie = (await page.context().cookies()).find((c) => c.name === "labgate.session");
  expect(cookie, "session cookie").toBeTruthy();
  return playwrightRequest.newContext({ baseURL: APP, extraHTTPHeaders: { cookie: `labgate.session=${cookie!.value}` } });
}

async function reads(api: APIRequestContext): Promise<number[]> {
  return Promise.all([studyUrl, imageUrl, thumbUrl, "/", "/datasets"].map(async (u) => (await api.get(u, { maxRedirects: 0 })).status()));
}

async function signInThroughForm(page: Page, user: Pick<Persona, "email" | "password">) {
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

async function oidcLogin(page: Page, login: string) {
  await page.getByRole("button", { name: "Sign in with Test University" }).click();
  await page.locator("input[name=login]").fill(login);
  await page.locator("input[name=password]").fill("anything");
  await page.locator("button[type=submit]").click();
}

async function auditRows(userId: string, action: string) {
  return testDb().select().from(schema.auditLog).where(and(eq(schema.auditLog.actorId, userId), eq(schema.auditLog.action, action)));
}

test.describe("sign-out ends the session on the server", () => {
  test("a cookie saved before sign-out reads no report, image, thumbnail or page afterwards (401), and sign-out is audited", async ({ page, lab }) => {
    await loginAs(page, lab.researcher);
    const thief = await withCopiedCookie(page);
    expect(await reads(thief)).toEqual([200, 200, 200, 200, 200]);
    expect(await (await thief.get(studyUrl)).text()).toContain("FINDINGS");
    // Sign out the way a person does: the button in the header.
    await page.goto("/");
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login$/);
    expect(await reads(thief)).toEqual([401, 401, 401, 401, 401]);
    expect(await (await thief.get(studyUrl)).text()).not.toContain("FINDINGS");
    // next-auth's own session endpoint no longer vouches for the cookie either.
    expect(await (await thief.get("/api/auth/session")).json()).toEqual({});
    const rows = await auditRows(lab.researcher.id, "auth.sign_out");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.outcome).toBe("ok");
    const [session] = await testDb().select().from(schema.userSessions).where(eq(schema.userSessions.id, (rows[0]!.details as { sessionId: string }).sessionId));
    expect(session).toMatchObject({ userId: lab.researcher.id, endedReason: "sign_out" });
    await thief.dispose();
  });

  test("forty parallel image requests on a copied cookie right after sign-out: none is served", async ({ page, lab }) => {
    await loginAs(page, lab.researcher);
    const thief = await withCopiedCookie(page);
    const before = await Promise.all(Array.from({ length: 40 }, async () => (await thief.get(thumbUrl)).status()));
    expect(new Set(before)).toEqual(new Set([200]));
    const { csrfToken } = (await (await page.request.get("/api/auth/csrf")).json()) as { csrfToken: string };
    expect((await page.request.post("/api/auth/signout", { form: { csrfToken, json: "true" } })).status()).toBe(200);
    const after = await Promise.all(Array.from({ length: 40 }, async (_, i) => (await thief.get(i % 2 ? thumbUrl : imageUrl)).status()));
    expect(new Set(after)).toEqual(new Set([401]));
    expect(await auditRows(lab.researcher.id, "auth.sign_out")).toHaveLength(1);
    await thief.dispose();
  });

  test("a person ends another browser's session from their sessions page; an admin ends all of a member's sessions", async ({ page, lab, browser }) => {
    const other = await browser.newContext();
    const otherPage = await other.newPage();
    await loginAs(otherPage, lab.researcher);
    expect((await otherPage.request.get(imageUrl)).status()).toBe(200);
    await loginAs(page, lab.researcher);
    await page.goto("/account/sessions");
    const rows = page.getByTestId("sessions-table").locator("tbody tr");
    await expect(rows).toHaveCount(2);
    await rows.filter({ hasNot: page.getByText("this browser") }).getByRole("button", { name: "End" }).click();
    await expect(rows).toHaveCount(1);
    expect((await otherPage.request.get(imageUrl)).status()).toBe(401);
    expect((await page.request.get(imageUrl)).status()).toBe(200);
    expect(await auditRows(lab.researcher.id, "auth.session_end")).toHaveLength(1);

    // The admin, from the member timeline, signs the researcher out everywhere (the page above included).
    const adminContext = await browser.newContext();
    const adminPage = await adminContext.newPage();
    await loginAs(adminPage, lab.admin);
    await adminPage.goto(`/members/${lab.researcher.id}/timeline`);
    adminPage.once("dialog", (d) => void d.accept());
    await adminPage.getByRole("button", { name: "End all sessions" }).click();
    await expect(adminPage.getByRole("status")).toHaveText(`Ended 1 session of ${lab.researcher.email}.`);
    expect((await page.request.get(imageUrl)).status()).toBe(401);
    expect(await auditRows(lab.admin.id, "member.sessions_end")).toHaveLength(1);
    // A steward has no such power.
    await loginAs(otherPage, lab.steward);
    expect((await otherPage.request.post(`/api/members/${lab.member.id}/sessions/end`, { data: {} })).status()).toBe(403);
    await other.close();
    await adminContext.close();
  });
});

test.describe("callbackUrl stays on this origin", () => {
  // As they would appear in a link's query string (already percent-encoded where they are).
  const PAYLOADS = ["/%5Cevil.test", "/%09/evil.test", "//evil.test", "/\\evil.test", "https://evil.test", "javascript:alert(1)", "/%2F%2Fevil.test", "%09//evil.test", "/%5C%5Cevil.test", "/.//evil.test"];

  // The login page resolves callbackUrl once, on the server (lib/auth/callback-url.ts): the one value
  // it redirects a signed-in request to and hands a signed-out form to go to after sign-in. Every
  // payload goes through that resolution over HTTP (the signed-in test below, both encodings); the
  // browser runs the whole journey for one payload of each kind: a path a browser reads as another
  // host, a same-origin path that normalises to '//host', and a non-http scheme.
  const BROWSER_PAYLOADS = ["/%5Cevil.test", "/.//evil.test", "javascript:alert(1)"];

  test("after a password sign-in through the form, an attack payload of each kind lands on the app", async ({ page, lab, allowConsoleErrors }) => {
    allowConsoleErrors(/status of 404/); // some payloads are same-origin paths that do not exist
    const offsite: string[] = [];
    page.on("request", (r) => !r.url().startsWith(APP) && offsite.push(r.url()));
    for (const query of BROWSER_PAYLOADS) {
      await page.context().clearCookies();
      await page.goto(`/login?callbackUrl=${query}`);
      await signInThroughForm(page, lab.member);
      await expect(page.getByTestId("whoami"), query).toBeVisible();
      expect(new URL(page.url()).origin, query).toBe(APP);
    }
    expect(offsite).toEqual([]);
  });

  test("next-auth's own endpoints answer with same-origin URLs for every payload", async ({ request, lab }) => {
    for (const payload of [...PAYLOADS.map(decodeURIComponent), "\t//evil.test", "http://localhost.evil.test/"]) {
      const { csrfToken } = (await (await request.get("/api/auth/csrf")).json()) as { csrfToken: string };
      const res = await request.post("/api/auth/callback/credentials", { form: { csrfToken, email: lab.member.email, password: lab.member.password, callbackUrl: payload, json: "true" } });
      const { url } = (await res.json()) as { url: string };
      expect(new URL(url).origin, payload).toBe(APP);
    }
  });

  test("a signed-in person opening a login link with an off-site callbackUrl stays here", async ({ page, login, allowConsoleErrors }) => {
    allowConsoleErrors(/status of 404/);
    await login("member");
    // Every payload, raw and encoded, over HTTP with the browser's session: the login page's redirect,
    // followed as a browser follows it (Location resolved against the request's URL).
    for (const payload of PAYLOADS) {
      for (const query of [payload, encodeURIComponent(payload)]) {
        const res = await page.request.get(`/login?callbackUrl=${query}`);
        expect(new URL(res.url()).origin, query).toBe(APP);
        expect(new URL(res.url()).pathname, query).not.toBe("/login");
      }
    }
    // And in the browser itself, for the payloads above.
    for (const query of BROWSER_PAYLOADS) {
      await page.goto(`/login?callbackUrl=${query}`);
      expect(new URL(page.url()).origin, query).toBe(APP);
      expect(new URL(page.url()).pathname, query).not.toBe("/login");
    }
  });

  test("through the institution's sign-in too", async ({ page, lab, allowConsoleErrors }) => {
    allowConsoleErrors(/status of 404/);
    await page.goto(`/login?callbackUrl=/%5Cevil.test`);
    await oidcLogin(page, lab.member.email);
    await expect(page.getByTestId("whoami")).toBeVisible();
    expect(new URL(page.url()).origin).toBe(APP);
  });
});

test.describe("deep links survive sign-in", () => {
  const deepLink = `/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/studies/${E2E_VIEWER.study}?from=mail&x=a%26b`;

  test("'Go to sign-in' on the 401 page brings the person back to the page they asked for", async ({ page, lab, allowConsoleErrors }) => {
    allowConsoleErrors(/status of 401/);
    const res = await page.goto(deepLink);
    expect(res!.status()).toBe(401);
    await page.getByRole("link", { name: "Go to sign-in" }).click();
    await expect(page).toHaveURL(/\/login\?callbackUrl=/);
    await signInThroughForm(page, lab.researcher);
    await expect(page.getByTestId("study-report")).toBeVisible();
    expect(page.url()).toBe(`${APP}${deepLink}`);
  });

  test("also through the institution's sign-in", async ({ page, lab, allowConsoleErrors }) => {
    allowConsoleErrors(/status of 401/);
    await page.goto(deepLink);
    await page.getByRole("link", { name: "Go to sign-in" }).click();
    await oidcLogin(page, lab.researcher.email);
    await expect(page.getByTestId("study-report")).toBeVisible();
    expect(page.url()).toBe(`${APP}${deepLink}`);
  });
});

test.describe("OpenID Connect identity", () => {
  test("an email the provider did not mark verified (claim missing or false) does not sign in, and is audited", async ({ page, lab }) => {
    for (const tag of ["unverified", "false"]) {
      await page.context().clearCookies();
      await page.goto("/login");
      await oidcLogin(page, `${lab.member.email}#${tag}`);
      await expect(page.getByRole("alert").and(page.locator(".error"))).toHaveText("Your institution did not confirm that email address.");
      expect((await page.context().cookies()).some((c) => c.name.endsWith("labgate.session"))).toBe(false);
    }
    const denied = await testDb().select().from(schema.auditLog).where(and(eq(schema.auditLog.actorEmail, lab.member.email), eq(schema.auditLog.action, "auth.sign_in")));
    expect(denied.map((r) => `${r.outcome}:${(r.details as { reason: string }).reason}`)).toEqual(["denied:email_unverified", "denied:email_unverified"]);
  });

  test("after the first link, another subject claiming the same verified email is refused", async ({ page, lab }) => {
    await page.goto("/login");
    await oidcLogin(page, lab.steward.email);
    await expect(page.getByTestId("whoami")).toContainText(lab.steward.email);
    await page.context().clearCookies(); // the provider's session too: the next login is another person
    await page.goto("/login");
    await oidcLogin(page, `${lab.steward.email}#impostor`);
    await expect(page.getByRole("alert").and(page.locator(".error"))).toContainText("linked to a different identity");
    expect((await page.context().cookies()).some((c) => c.name.endsWith("labgate.session"))).toBe(false);
    // The rightful subject still signs in.
    await page.context().clearCookies();
    await page.goto("/login");
    await oidcLogin(page, lab.steward.email);
    await expect(page.getByTestId("whoami")).toContainText(lab.steward.email);
    const [identity] = await testDb().select().from(schema.userIdentities).where(eq(schema.userIdentities.userId, lab.steward.id));
    expect(identity).toMatchObject({ subject: lab.steward.email });
    const refused = await testDb().select().from(schema.auditLog).where(and(eq(schema.auditLog.actorEmail, lab.steward.email), eq(schema.auditLog.outcome, "denied")));
    expect(refused.map((r) => (r.details as { reason: string }).reason)).toEqual(["identity_mismatch"]);
  });
});

// The production build started again with an https NEXTAUTH_URL (the build itself was made for
// http), behind a TLS-terminating proxy on loopback, as a lab would deploy it.
test.describe("over HTTPS", () => {
  // One https server for the block: its tests share a worker.
  test.describe.configure({ mode: "serial" });
  const base = Number(process.env.E2E_PORT ?? 3100);
  const appPort = base + 13;
  const tlsPort = base + 14;
  const origin = `https://localhost:${tlsPort}`;
  let app: ChildProcess | undefined;
  let tls: Server | undefined;

  test.beforeAll(async () => {
    test.setTimeout(90_000);
    app = spawn(process.execPath, ["node_modules/next/dist/bin/next", "start", "-p", String(appPort)], {
      env: { ...process.env, NODE_ENV: "production", NEXTAUTH_URL: origin, NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET ?? "e2e-secret-e2e-secret-e2e-secret-e2e-0" },
      stdio: "ignore",
    });
    const material = await createSelfSignedTls();
    tls = createHttpsServer(material, (req, res) => {
      const upstream = httpRequest({ host: "127.0.0.1", port: appPort, path: req.url, method: req.method, headers: { ...req.headers, "x-forwarded-proto": "https" } }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.rawHeaders);
        up.pipe(res);
      });
      upstream.on("error", () => res.writeHead(502).end());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => tls!.listen(tlsPort, "127.0.0.1", resolve));
    for (let i = 0; ; i++) {
      const ok = await fetch(`http://127.0.0.1:${appPort}/api/health`).then((r) => r.ok, () => false);
      if (ok) break;
      if (i > 150) throw new Error("the https app did not start");
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  test.afterAll(async () => {
    app?.kill("SIGTERM");
    await new Promise<void>((resolve) => (tls ? tls.close(() => resolve()) : resolve()));
  });

  test("cookies are __Host- (Secure, Path=/, no Domain) and every page carries HSTS", async ({ lab }) => {
    const api = await playwrightRequest.newContext({ baseURL: origin, ignoreHTTPSErrors: true });
    const login = await api.get("/login");
    expect(login.status()).toBe(200);
    expect(login.headers()["strict-transport-security"]).toBe("max-age=63072000; includeSubDomains");
    const csrf = await api.get("/api/auth/csrf");
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const setCookies = (r: Awaited<ReturnType<APIRequestContext["get"]>>) => r.headersArray().filter((h) => h.name.toLowerCase() === "set-cookie").map((h) => h.value);
    const csrfCookie = setCookies(csrf).find((c) => c.includes("labgate.csrf-token="));
    expect(csrfCookie).toMatch(/^__Host-labgate\.csrf-token=/);
    const signIn = await api.post("/api/auth/callback/credentials", { form: { csrfToken, email: lab.researcher.email, password: lab.researcher.password, json: "true" } });
    expect(signIn.status()).toBe(200);
    expect(signIn.headers()["strict-transport-security"]).toBe("max-age=63072000; includeSubDomains");
    const session = setCookies(signIn).find((c) => c.includes("labgate.session="));
    expect(session).toMatch(/^__Host-labgate\.session=[^;]+;/);
    for (const cookie of [session!, csrfCookie!]) {
      const attrs = cookie.split(";").slice(1).map((a) => a.trim().toLowerCase());
      expect(attrs).toContain("secure");
      expect(attrs).toContain("httponly");
      expect(attrs).toContain("path=/");
      expect(attrs).toContain("samesite=lax");
      expect(attrs.some((a) => a.startsWith("domain="))).toBe(false);
    }
    // The cookie works over HTTPS, for a page and for image bytes, and HSTS rides along.
    const image = await api.get(imageUrl);
    expect(image.status()).toBe(200);
    expect(image.headers()["strict-transport-security"]).toBe("max-age=63072000; includeSubDomains");
    const refused = await (await playwrightRequest.newContext({ baseURL: origin, ignoreHTTPSErrors: true })).get(imageUrl);
    expect(refused.status()).toBe(401);
    expect(refused.headers()["strict-transport-security"]).toBe("max-age=63072000; includeSubDomains");
    await api.dispose();
  });
});

test("plain HTTP (local development) sends no HSTS and unprefixed cookies", async ({ request }) => {
  const res = await request.get("/login");
  expect(res.headers()["strict-transport-security"]).toBeUndefined();
  const csrf = await request.get("/api/auth/csrf");
  expect(csrf.headersArray().find((h) => h.name.toLowerCase() === "set-cookie")?.value).toMatch(/^labgate\.csrf-token=/);
});
