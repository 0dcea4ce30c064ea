import http from "node:http";
import { randomBytes, randomUUID } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import * as schema from "@/db/schema";
import { testDb } from "./support/db";
import { expect, test } from "./support/fixtures";

// Abuse limits over real HTTP against the production build (issue 13, section 3). Attacks that must
// not count against the rest of the suite (which signs in from 127.0.0.1) leave from their own
// loopback address, 127.0.0.x: the server sees that address as the TCP peer, which is what it
// counts, whatever X-Forwarded-For says.

// The app's port, as playwright.config.ts chooses it.
const port = Number(process.env.E2E_PORT ?? 3100);

type Answer = { status: number; retryAfter: string | null; body: string; cookies: string[] };

/** One HTTP request to the app from `from` (a loopback address), like a script would send it. */
function send(opts: { from: string; method: string; path: string; headers?: Record<string, string>; body?: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method: opts.method, path: opts.path, localAddress: opts.from, headers: { host: `localhost:${port}`, ...opts.headers } }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, retryAfter: (res.headers["retry-after"] as string | undefined) ?? null, body, cookies: res.headers["set-cookie"] ?? [] }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** A whole credentials sign-in as next-auth's client does it (CSRF token, then the JSON form post). */
async function signIn(opts: { from: string; email: string; password: string; forwardedFor?: string }): Promise<Answer & { error: string | null }> {
  const extra: Record<string, string> = opts.forwardedFor ? { "x-forwarded-for": opts.forwardedFor } : {};
  const csrf = await send({ from: opts.from, method: "GET", path: "/api/auth/csrf", headers: extra });
  const csrfToken = (JSON.parse(csrf.body) as { csrfToken: string }).csrfToken;
  const cookie = csrf.cookies.map((c) => c.split(";")[0]).join("; ");
  const form = new URLSearchParams({ csrfToken, email: opts.email, password: opts.password, json: "true" }).toString();
  const res = await send({ from: opts.from, method: "POST", path: "/api/auth/callback/credentials", headers: { ...extra, cookie, "content-type": "application/x-www-form-urlencoded" }, body: form });
  const url = (JSON.parse(res.body) as { url?: string }).url;
  return { ...res, error: url ? new URL(url, "http://x").searchParams.get("error") : null };
}

const randomIp = () => `${1 + Math.floor(Math.random() * 222)}.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;

test.describe("abuse limits", () => {
  test("40 wrong passwords for one account: refused with 429 and Retry-After after 10, the right password too, and the login page says so", async ({ page, lab, allowConsoleErrors }) => {
    test.setTimeout(180_000);
    allowConsoleErrors(/status of 429/);
    const from = "127.0.0.21";
    const answers = [];
    for (let i = 0; i < 40; i++) answers.push(await signIn({ from, email: lab.member.email, password: `guess-${i}`, forwardedFor: randomIp() }));
    expect(answers.slice(0, 10).map((a) => [a.status, a.error])).toEqual(Array(10).fill([401, "Wrong email or password."]));
    for (const a of answers.slice(10)) {
      expect(a.status).toBe(429);
      expect(Number(a.retryAfter)).toBeGreaterThan(800);
      expect(a.error).toMatch(/^Too many sign-in attempts for this account\. Try again in 1[45] minutes\.$/);
      expect(a.cookies.some((c) => c.includes("labgate.session"))).toBe(false);
    }
    const right = await signIn({ from: "127.0.0.31", email: lab.member.email, password: lab.member.password });
    expect(right.status).toBe(429);
    expect(right.cookies.some((c) => c.includes("labgate.session"))).toBe(false);

    // The person at the login form is told why, and how long to wait.
    await page.goto("/login");
    await page.getByLabel("Email").fill(lab.member.email);
    await page.getByLabel("Password").fill(lab.member.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page.getByRole("alert").and(page.locator(".error"))).toHaveText(/^Too many sign-in attempts for this account\. Try again in 1[45] minutes\.$/);
    // Without scripts the message arrives in the address bar; only a limit's own wording is shown from there.
    await page.goto(`/login?error=${encodeURIComponent(right.error!)}`);
    await expect(page.getByRole("alert").and(page.locator(".error"))).toHaveText(right.error!);
    await page.goto(`/login?error=${encodeURIComponent("Too many sign-in attempts for this account. Call 555-0100 now. Try again in 5 minutes.")}`);
    await expect(page.getByRole("alert").and(page.locator(".error"))).toHaveText("Sign-in failed. Try again.");

    const refusals = await testDb().select().from(schema.auditLog).where(and(eq(schema.auditLog.action, "rate_limit.sign_in"), eq(schema.auditLog.actorEmail, lab.member.email)));
    expect(refusals.length).toBeGreaterThanOrEqual(32);
    expect(refusals.every((r) => r.outcome === "denied")).toBe(true);
  });

  test("password spraying from one address with a new X-Forwarded-For on every try still meets the per-address limit", async ({ lab }) => {
    test.setTimeout(120_000);
    const from = "127.0.0.22";
    const statuses: number[] = [];
    for (let i = 0; i < 55; i++) {
      statuses.push((await signIn({ from, email: `spray-${i}-${randomUUID().slice(0, 6)}@example.org`, password: "Spring2026!", forwardedFor: `${randomIp()}, ${randomIp()}` })).status);
    }
    expect(statuses.slice(0, 50)).toEqual(Array(50).fill(401));
    expect(statuses.slice(50)).toEqual(Array(5).fill(429));
    // Even a right password from there waits; the same person from another address does not.
    const blocked = await signIn({ from, email: lab.member.email, password: lab.member.password, forwardedFor: randomIp() });
    expect([blocked.status, blocked.error]).toEqual([429, expect.stringMatching(/^Too many failed sign-ins from your network address/)]);
    expect(Number(blocked.retryAfter)).toBeGreaterThan(800);
    const elsewhere = await signIn({ from: "127.0.0.23", email: lab.member.email, password: lab.member.password, forwardedFor: "127.0.0.22" });
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.cookies.some((c) => c.includes("labgate.session"))).toBe(true);
    // The audit log names the real peer, never a forwarded claim.
    const rows = await testDb().select().from(schema.auditLog).where(and(eq(schema.auditLog.action, "rate_limit.sign_in"), eq(schema.auditLog.ip, from)));
    expect(rows.length).toBe(6);
    const signIns = await testDb().select({ ip: schema.auditLog.ip }).from(schema.auditLog).where(eq(schema.auditLog.actorEmail, lab.member.email));
    expect(new Set(signIns.map((r) => r.ip))).toEqual(new Set(["127.0.0.22", "127.0.0.23"]));
  });

  test("40 wrong passwords to Verify with PhysioNet: 10 reach PhysioNet, the rest are refused with 429", async ({ page, lab, login }) => {
    test.setTimeout(120_000);
    await login("member");
    const username = `guesser-${randomUUID().slice(0, 8)}`;
    expect((await page.request.post("/api/credentialing/physionet-account", { data: { username } })).status()).toBe(200);
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => page.request.post("/api/credentialing/verify", { data: { datasetId: lab.datasetIds.jpg, password: `guess-${i}` } })),
    );
    const statuses = answers.map((a) => a.status());
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30);
    for (const a of answers.filter((x) => x.status() === 429)) {
      expect(Number(a.headers()["retry-after"])).toBeGreaterThan(800);
      expect(((await a.json()) as { error: string }).error).toMatch(/^Too many unsuccessful PhysioNet checks/);
    }
    for (const a of answers.filter((x) => x.status() === 200)) expect(((await a.json()) as { outcome: string }).outcome).toBe("wrong_credentials");
    const db = testDb();
    const tried = await db.select().from(schema.physionetVerifications).where(eq(schema.physionetVerifications.physionetUsername, username));
    expect(tried).toHaveLength(10);
    const refused = await db.select().from(schema.auditLog).where(and(eq(schema.auditLog.action, "rate_limit.physionet_verify"), eq(schema.auditLog.actorId, lab.member.id)));
    expect(refused).toHaveLength(30);
    expect(JSON.stringify(refused)).not.toContain("guess-");
    test.info().annotations.push({ type: "measured", description: `40 verify attempts answered in ${Date.now() - started} ms` });
  });

  test("invite links guessed from one address: refused with 429 after 20 unknown tokens", async ({ lab }) => {
    const from = "127.0.0.24";
    const accept = (token: string) =>
      send({ from, method: "POST", path: "/api/invites/accept", headers: { "content-type": "application/json", "x-forwarded-for": randomIp() }, body: JSON.stringify({ token, name: "Guesser", password: "a-long-enough-password" }) });
    const statuses: number[] = [];
    let last: Answer | undefined;
    for (let i = 0; i < 24; i++) {
      last = await accept(randomBytes(32).toString("base64url"));
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(404));
    expect(statuses.slice(20)).toEqual(Array(4).fill(429));
    expect(Number(last!.retryAfter)).toBeGreaterThan(800);
    expect((JSON.parse(last!.body) as { error: string }).error).toMatch(/^Too many invalid invite links from your network address\. Try again in/);
    const rows = await testDb().select().from(schema.auditLog).where(and(eq(schema.auditLog.action, "rate_limit.invite_accept"), eq(schema.auditLog.ip, from)));
    expect(rows).toHaveLength(4);
    void lab;
  });

  test("a PhysioNet username already linked to a member cannot be linked by a second one, in any case, even racing", async ({ lab, playwright, baseURL }) => {
    test.setTimeout(120_000);
    const people = [lab.member, lab.steward, lab.admin];
    // One cookie jar per person, signed in through next-auth's credentials endpoint.
    const clients = await Promise.all(people.map(() => playwright.request.newContext({ baseURL })));
    for (const [i, client] of clients.entries()) {
      const { csrfToken } = (await (await client.get("/api/auth/csrf")).json()) as { csrfToken: string };
      const res = await client.post("/api/auth/callback/credentials", { form: { csrfToken, email: people[i]!.email, password: people[i]!.password, json: "true" } });
      expect(res.status()).toBe(200);
    }
    const name = `linked-${randomUUID().slice(0, 8)}`;
    const link = (i: number, username: string) => clients[i]!.post("/api/credentialing/physionet-account", { data: { username } });

    // Three members ask for one name at the same moment: one gets it.
    const raced = await Promise.all([0, 1, 2].map((i) => link(i, i === 1 ? name.toUpperCase() : name)));
    const statuses = raced.map((r) => r.status()).sort();
    expect(statuses).toEqual([200, 409, 409]);
    const loser = raced.find((r) => r.status() === 409)!;
    expect(((await loser.json()) as { error: string }).error).toContain("already linked to another labgate member");
    const rows = await testDb().select().from(schema.physionetAccounts).where(inArray(schema.physionetAccounts.userId, people.map((p) => p.id)));
    expect(rows.map((r) => r.username)).toEqual([name]);
    // Once linked, a plain second try is refused the same way.
    const second = raced.findIndex((r) => r.status() === 409);
    expect((await link(second, name)).status()).toBe(409);
    await Promise.all(clients.map((c) => c.dispose()));
  });
});
