import { randomUUID } from "node:crypto";
import { expect, test } from "./support/fixtures";
import { E2E_CXR } from "./support/mimic-data";

test("pages carry the security headers and a nonce CSP", async ({ request }) => {
  const res = await request.get("/login");
  const h = res.headers();
  expect(h["content-security-policy"]).toMatch(/frame-ancestors 'none'/);
  // 'wasm-unsafe-eval' lets the viewer's WASM codecs compile; JavaScript eval stays refused.
  expect(h["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic' 'wasm-unsafe-eval'(;|$)/);
  expect(h["content-security-policy"]).not.toMatch(/'unsafe-eval'/);
  expect(h["x-content-type-options"]).toBe("nosniff");
  expect(h["referrer-policy"]).toBe("no-referrer");
  expect(h["x-frame-options"]).toBe("DENY");
  expect(h["x-powered-by"]).toBeUndefined();
});

test("the session cookie is HttpOnly and SameSite", async ({ page, login }) => {
  await login("member");
  const cookie = (await page.context().cookies()).find((c) => c.name.endsWith("labgate.session"))!;
  expect(cookie.httpOnly).toBe(true);
  expect(cookie.sameSite).toBe("Lax");
});

test("mutations refuse cross-site requests even with a valid session", async ({ page, lab, login }) => {
  await login("steward");
  const crossSite: Record<string, string>[] = [{ "sec-fetch-site": "cross-site" }, { origin: "http://evil.localhost:9999" }];
  for (const headers of crossSite) {
    const res = await page.request.post(`/api/members/${lab.member.id}/status`, { data: { status: "deactivated" }, headers });
    expect(res.status()).toBe(403);
    expect((await res.json()).error).toBe("Cross-site requests are not allowed");
  }
  const same = await page.request.post(`/api/members/${lab.member.id}/status`, { data: { status: "active" }, headers: { "sec-fetch-site": "same-origin" } });
  expect(same.status()).toBe(200);
});

test("errors never show internals", async ({ request }) => {
  const res = await request.post("/api/invites/accept", { data: Buffer.from("{not json"), headers: { "content-type": "application/json" } });
  expect(res.status()).toBe(400);
  expect(await res.json()).toEqual({ error: "The request body must be JSON" });
  const arr = await request.post("/api/invites/accept", { data: [1, 2] });
  expect(await arr.json()).toEqual({ error: "The request body must be a JSON object" });
  const unknownPage = await request.get("/no/such/page");
  expect(unknownPage.status()).toBe(404);
  expect(await unknownPage.text()).not.toMatch(/at \w+ \(|node_modules|\.tsx?:\d+/);
});

test("image and thumbnail answers are never cacheable, refusals from the auth chokepoint included", async ({ page, login, request }) => {
  const base = `/api/datasets/${E2E_CXR.slug}/${E2E_CXR.version}`;
  const urls = [`${base}/images/${randomUUID()}`, `${base}/thumbnails/${randomUUID()}`, `${base}/images/not-an-id`, `/api/datasets/no-such-dataset/1.0/thumbnails/${randomUUID()}`];
  const seen: string[] = [];
  for (const url of urls) {
    const res = await request.get(url); // signed out: 401 from unauthorized()
    seen.push(`${res.status()} ${res.headers()["cache-control"]}`);
  }
  await login("member"); // signed in, no access: 403 from forbidden(); an unknown dataset: 404 from notFound()
  for (const url of urls) {
    const res = await page.request.get(url);
    seen.push(`${res.status()} ${res.headers()["cache-control"]}`);
  }
  expect(seen).toEqual([
    ...urls.map(() => "401 no-store, private"),
    "403 no-store, private",
    "403 no-store, private",
    "403 no-store, private",
    "404 no-store, private",
  ]);
});
