import { request as playwrightRequest, type APIRequestContext } from "@playwright/test";
import { routeRegistry, type Access, type RouteDeclaration } from "@/lib/auth/route-registry";
import { roleAtLeast, type Role } from "@/lib/auth/roles";
import { expect, loginAs, test } from "./support/fixtures";
import { randomUUID } from "node:crypto";
import { miniStudies } from "@/tests/mimic/mini-mimic";
import { E2E_JPG } from "./support/mimic-data";

// "researcher" is a member holding the steward's grant for the e2e datasets; the others hold none.
type Persona = "anonymous" | Role | "researcher";
const PERSONAS: Persona[] = ["anonymous", "member", "steward", "admin", "researcher"];

function expectedStatus(access: Access, persona: Persona, method: string, allowedStatus?: number): number {
  if (access === "public") return allowedStatus ?? (method === "GET" ? 200 : 400);
  if (persona === "anonymous") return 401;
  if (access === "dataset") {
    if (persona !== "researcher") return 403;
  } else if (!roleAtLeast(persona === "researcher" ? "member" : persona, access)) return 403;
  // Allowed: a page or export answers 200; a mutation sent with an empty body fails validation (400),
  // which proves the request got past authorization without changing anything.
  return allowedStatus ?? (method === "GET" ? 200 : 400);
}

// With a personal access token (decision 028): a route declared `tokens: true` answers as it does the
// token's owner in a browser; a public route as it does anyone; every other route refuses with 401.
type TokenPersona = "researcher" | "member";
function expectedTokenStatus(decl: RouteDeclaration, access: Access, owner: TokenPersona, method: string): number {
  if (access === "public") return expectedStatus(access, "anonymous", method, decl.allowedStatus);
  return decl.tokens ? expectedStatus(access, owner, method, decl.allowedStatus) : 401;
}

// Calls every declared route as every persona and checks the status its declaration implies.
test("every route answers each persona as the registry declares", async ({ page, lab, baseURL }) => {
  // Seven probes of every declared route, one after another.
  test.slow();
  const contexts: Record<Persona, APIRequestContext> = { anonymous: await playwrightRequest.newContext({ baseURL }) } as Record<Persona, APIRequestContext>;
  for (const role of ["member", "steward", "admin", "researcher"] as const) {
    const ctx = await page.context().browser()!.newContext({ baseURL });
    const p = await ctx.newPage();
    await loginAs(p, lab[role]);
    contexts[role] = p.request;
  }
  const tokens = {} as Record<TokenPersona, string>;
  for (const owner of ["researcher", "member"] as const) {
    const res = await contexts[owner].post("/api/account/tokens", { data: { name: `route-access ${owner}`, expiresInDays: 1 } });
    expect(res.status()).toBe(200);
    tokens[owner] = ((await res.json()) as { token: string }).token;
  }
  const failures: string[] = [];
  for (const [route, decl] of Object.entries(routeRegistry)) {
    const url = (decl.sample ?? route)
      .replace("{member}", lab.member.id)
      .replace("{missing}", randomUUID())
      .replace("{dataset}", `${E2E_JPG.slug}/${E2E_JPG.version}`)
      .replace("{study}", String(miniStudies()[0]!.study));
    if (url.includes("[")) throw new Error(`route ${route} needs a sample URL in the registry`);
    for (const [method, access] of Object.entries(decl.methods)) {
      if (route === "/api/auth/[...nextauth]" && method === "POST") continue; // next-auth's own CSRF-protected endpoint
      for (const persona of PERSONAS) {
        const res = await contexts[persona].fetch(url, { method, maxRedirects: 0, data: method === "GET" ? undefined : {} });
        const want = expectedStatus(access!, persona, method, decl.allowedStatus);
        const got = route === "/login" && persona !== "anonymous" ? (res.status() === 307 ? 200 : res.status()) : res.status();
        if (got !== want) failures.push(`${method} ${url} as ${persona}: expected ${want}, got ${res.status()}`);
      }
      for (const owner of ["researcher", "member"] as const) {
        const res = await contexts.anonymous.fetch(url, { method, maxRedirects: 0, data: method === "GET" ? undefined : {}, headers: { authorization: `Bearer ${tokens[owner]}` } });
        const want = expectedTokenStatus(decl, access!, owner, method);
        if (res.status() !== want) failures.push(`${method} ${url} with ${owner}'s token: expected ${want}, got ${res.status()}`);
      }
    }
  }
  expect(failures).toEqual([]);
});
