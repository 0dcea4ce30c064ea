import type { Role } from "./roles";

/**
 * Who may use each route: every page (GET) and route handler method under app/ must appear here.
 * tests/route-registry.test.ts fails when one is missing or stale, and e2e/route-access.spec.ts
 * calls each one as every persona and checks the status the declaration implies.
 * `sample` fills dynamic segments for those checks; `{member}` is a fixture id, `{missing}` an
 * id that exists nowhere (for routes whose probe would otherwise change something), `{dataset}` the
 * e2e dataset's slug/version and `{study}` one of its studies.
 */
// "dataset": any signed-in member who holds access to the dataset version named by the route's
// [slug]/[version] segments (requireDatasetAccess); role alone never grants it.
export type Access = "public" | Role | "dataset";
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
  "/datasets": { methods: { GET: "member" } },
  "/datasets/[slug]/[version]": { methods: { GET: "dataset" }, sample: "/datasets/{dataset}" },
  "/datasets/[slug]/[version]/studies/[studyId]": { methods: { GET: "dataset" }, sample: "/datasets/{dataset}/studies/{study}" },
  "/datasets/[slug]/[version]/import": { methods: { GET: "steward" }, sample: "/datasets/{dataset}/import" },
  "/api/datasets/[slug]/[version]/import": { methods: { GET: "steward", POST: "steward" }, sample: "/api/datasets/{dataset}/import" },
  "/api/datasets/[slug]/[version]/cohorts": { methods: { POST: "dataset" }, sample: "/api/datasets/{dataset}/cohorts" },
  "/api/datasets/[slug]/[version]/cohorts/[id]/export": { methods: { GET: "dataset" }, sample: "/api/datasets/{dataset}/cohorts/{missing}/export", allowedStatus: 404 },
  "/api/datasets/[slug]/[version]/images/[dicomId]": { methods: { GET: "dataset" }, sample: "/api/datasets/{dataset}/images/{missing}", allowedStatus: 404 },
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
