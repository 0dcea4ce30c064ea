import type { Role } from "./roles";

/**
 * Who may use each route: every page (GET) and route handler method under app/ must appear here.
 * tests/route-registry.test.ts fails when one is missing or stale, and e2e/route-access.spec.ts
 * calls each one as every persona and checks the status the declaration implies.
 * `sample` fills dynamic segments for those checks; `{member}` is a fixture id and `{missing}` an
 * id that exists nowhere, for routes whose probe would otherwise change something.
 */
export type Access = "public" | Role;
export type RouteDeclaration = {
  methods: Partial<Record<"GET" | "POST" | "PUT" | "PATCH" | "DELETE", Access>>;
  sample?: string;
  // What an allowed persona gets for the probe request (default: 200 for GET, 400 for an empty
  // mutation body). Probes must never change anything.
  allowedStatus?: number;
};

export const routeRegistry: Record<string, RouteDeclaration> = {
  "/": { methods: { GET: "member" } },
  "/login": { methods: { GET: "public" } },
  "/invite/[token]": { methods: { GET: "public" }, sample: "/invite/not-a-real-token" },
  "/members": { methods: { GET: "steward" } },
  "/audit": { methods: { GET: "steward" } },
  "/api/health": { methods: { GET: "public" } },
  "/api/auth/[...nextauth]": { methods: { GET: "public", POST: "public" }, sample: "/api/auth/session" },
  "/api/invites": { methods: { POST: "steward" } },
  "/api/invites/accept": { methods: { POST: "public" } },
  "/api/invites/[id]/revoke": { methods: { POST: "steward" }, sample: "/api/invites/{missing}/revoke", allowedStatus: 404 },
  "/api/members/[id]/role": { methods: { POST: "steward" }, sample: "/api/members/{member}/role" },
  "/api/members/[id]/status": { methods: { POST: "steward" }, sample: "/api/members/{member}/status" },
  "/api/audit/export": { methods: { GET: "steward" } },
};

// Server actions are not used: mutations go through route handlers so that one wrapper applies
// the auth chokepoint, the Origin check and zod validation. The registry test fails on any "use server".
export const serverActionRegistry: Record<string, Access> = {};
