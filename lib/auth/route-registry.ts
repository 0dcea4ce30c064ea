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
  // The GET also accepts a personal access token (`route({ tokens: true })`, decision 028), as the
  // token's owner with the same access. Every other route refuses a bearer token with 401.
  tokens?: true;
};

export const routeRegistry: Record<string, RouteDeclaration> = {
  "/": { methods: { GET: "member" } },
  "/login": { methods: { GET: "public" } },
  // Exists only while the installation has no user (first run); the e2e database always has users.
  "/setup": { methods: { GET: "public" }, allowedStatus: 404 },
  "/api/setup": { methods: { POST: "public" } },
  "/invite/[token]": { methods: { GET: "public" }, sample: "/invite/not-a-real-token" },
  "/members": { methods: { GET: "steward" } },
  "/admin": { methods: { GET: "admin" } },
  "/admin/doctor": { methods: { GET: "admin" } },
  "/audit": { methods: { GET: "steward" } },
  "/datasets": { methods: { GET: "member" } },
  "/datasets/[slug]/[version]": { methods: { GET: "dataset" }, sample: "/datasets/{dataset}" },
  "/datasets/[slug]/[version]/studies/[studyId]": { methods: { GET: "dataset" }, sample: "/datasets/{dataset}/studies/{study}" },
  "/datasets/[slug]/[version]/import": { methods: { GET: "steward" }, sample: "/datasets/{dataset}/import" },
  "/datasets/[slug]/[version]/disagreement": { methods: { GET: "dataset" }, sample: "/datasets/{dataset}/disagreement" },
  "/datasets/[slug]/[version]/storage": { methods: { GET: "dataset" }, sample: "/datasets/{dataset}/storage" },
  "/api/datasets/[slug]/[version]/import": { methods: { GET: "steward", POST: "steward" }, sample: "/api/datasets/{dataset}/import" },
  "/api/datasets/[slug]/[version]/cohorts": { methods: { POST: "dataset" }, sample: "/api/datasets/{dataset}/cohorts" },
  "/api/datasets/[slug]/[version]/cohorts/[id]/export": { methods: { GET: "dataset" }, sample: "/api/datasets/{dataset}/cohorts/{missing}/export", allowedStatus: 404 },
  "/api/datasets/[slug]/[version]/cohorts/[id]/zip": { methods: { GET: "dataset" }, sample: "/api/datasets/{dataset}/cohorts/{missing}/zip", allowedStatus: 404 },
  "/api/datasets/[slug]/[version]/images/[dicomId]": { methods: { GET: "dataset" }, sample: "/api/datasets/{dataset}/images/{missing}", allowedStatus: 404 },
  "/api/datasets/[slug]/[version]/thumbnails/[dicomId]": { methods: { GET: "dataset" }, sample: "/api/datasets/{dataset}/thumbnails/{missing}", allowedStatus: 404 },
  "/credentialing": { methods: { GET: "member" } },
  "/help": { methods: { GET: "member" } },
  "/api/credentialing/physionet-account": { methods: { POST: "member" } },
  "/api/credentialing/trainings": { methods: { POST: "member" } },
  "/api/credentialing/trainings/[id]/pdf": { methods: { GET: "member" }, sample: "/api/credentialing/trainings/{missing}/pdf", allowedStatus: 404 },
  "/api/credentialing/application": { methods: { POST: "member" } },
  "/api/credentialing/dua": { methods: { POST: "member" } },
  "/api/credentialing/verify": { methods: { POST: "member" } },
  "/api/credentialing/attestations": { methods: { POST: "member" } },
  "/api/credentialing/mirror-verify": { methods: { POST: "member" } },
  "/notifications": { methods: { GET: "member" } },
  "/api/notifications": { methods: { GET: "member" } },
  "/api/notifications/read": { methods: { POST: "member" } },
  "/settings": { methods: { GET: "steward" } },
  "/api/settings/access-policy": { methods: { POST: "steward" } },
  "/api/settings/training-validity": { methods: { POST: "steward" } },
  "/api/settings/datasets": { methods: { POST: "steward" } },
  "/api/settings/version-pairs": { methods: { POST: "steward" } },
  "/api/settings/datasets/[id]/retention": { methods: { POST: "steward" }, sample: "/api/settings/datasets/{missing}/retention" },
  "/downloads": { methods: { GET: "member" } },
  "/downloads/new": { methods: { GET: "member" } },
  "/downloads/[id]": { methods: { GET: "member" }, sample: "/downloads/{missing}", allowedStatus: 404 },
  "/api/downloads": { methods: { GET: "member", POST: "member" } },
  "/api/downloads/[id]": { methods: { GET: "member" }, sample: "/api/downloads/{missing}", allowedStatus: 404 },
  "/api/downloads/[id]/events": { methods: { GET: "member" }, sample: "/api/downloads/{missing}/events", allowedStatus: 404 },
  "/api/downloads/[id]/actions": { methods: { POST: "member" }, sample: "/api/downloads/{missing}/actions" },
  "/api/downloads/settings": { methods: { POST: "steward" } },
  "/api/downloads/credentials": { methods: { POST: "member" } },
  "/api/downloads/files/[slug]/[version]/[...path]": { methods: { GET: "dataset" }, sample: "/api/downloads/files/{dataset}/files/{missing}.dcm", allowedStatus: 404 },
  "/api/health": { methods: { GET: "public" } },
  "/api/auth/[...nextauth]": { methods: { GET: "public", POST: "public" }, sample: "/api/auth/session" },
  "/api/invites": { methods: { POST: "steward" } },
  "/api/invites/accept": { methods: { POST: "public" } },
  "/api/invites/[id]/revoke": { methods: { POST: "steward" }, sample: "/api/invites/{missing}/revoke", allowedStatus: 404 },
  "/api/members/[id]/role": { methods: { POST: "steward" }, sample: "/api/members/{member}/role" },
  "/api/members/[id]/status": { methods: { POST: "steward" }, sample: "/api/members/{member}/status" },
  "/api/members/[id]/sessions/end": { methods: { POST: "admin" }, sample: "/api/members/{missing}/sessions/end", allowedStatus: 404 },
  "/account/sessions": { methods: { GET: "member" } },
  "/account/password": { methods: { GET: "member" } },
  "/api/account/password": { methods: { POST: "member" } },
  "/forgot-password": { methods: { GET: "public" } },
  "/api/account/forgot-password": { methods: { POST: "public" } },
  "/reset-password/[token]": { methods: { GET: "public" }, sample: "/reset-password/not-a-real-token" },
  "/api/account/password-reset": { methods: { POST: "public" } },
  "/api/account/reset-links": { methods: { POST: "admin" } },
  "/api/account/sessions/[id]/end": { methods: { POST: "member" }, sample: "/api/account/sessions/{missing}/end", allowedStatus: 404 },
  "/api/audit/export": { methods: { GET: "steward" } },
  "/stewardship": { methods: { GET: "steward" } },
  "/stewardship/queue": { methods: { GET: "steward" } },
  "/stewardship/access": { methods: { GET: "steward" } },
  "/stewardship/expiring": { methods: { GET: "steward" } },
  "/stewardship/reviews": { methods: { GET: "steward" } },
  "/stewardship/reviews/[id]": { methods: { GET: "steward" }, sample: "/stewardship/reviews/{missing}", allowedStatus: 404 },
  "/stewardship/retention": { methods: { GET: "steward" } },
  "/stewardship/retention/[id]/attestation": { methods: { GET: "steward" }, sample: "/stewardship/retention/{missing}/attestation", allowedStatus: 404 },
  "/api/stewardship/retention": { methods: { POST: "steward" } },
  "/api/stewardship/retention/[id]": { methods: { POST: "steward" }, sample: "/api/stewardship/retention/{missing}" },
  "/members/[id]/timeline": { methods: { GET: "steward" }, sample: "/members/{member}/timeline" },
  "/api/stewardship/trainings/[id]/review": { methods: { POST: "steward" }, sample: "/api/stewardship/trainings/{missing}/review" },
  "/api/stewardship/duas/[id]/review": { methods: { POST: "steward" }, sample: "/api/stewardship/duas/{missing}/review" },
  "/api/stewardship/access": { methods: { POST: "steward" } },
  "/api/stewardship/access/export": { methods: { GET: "steward" } },
  "/api/stewardship/reviews": { methods: { POST: "steward" } },
  "/api/stewardship/reviews/[id]/items": { methods: { POST: "steward" }, sample: "/api/stewardship/reviews/{missing}/items" },
  // Personal access tokens and the HTTP API (decision 028). Creating and revoking tokens needs a browser session.
  "/account/tokens": { methods: { GET: "member" } },
  "/api/account/tokens": { methods: { POST: "member" } },
  "/api/account/tokens/[id]/revoke": { methods: { POST: "member" }, sample: "/api/account/tokens/{missing}/revoke", allowedStatus: 404 },
  "/api-docs": { methods: { GET: "member" } },
  "/api/v1/openapi.json": { methods: { GET: "public" } },
  "/api/v1/datasets": { methods: { GET: "member" }, tokens: true },
  "/api/v1/datasets/[slug]/[version]/cohorts": { methods: { GET: "dataset" }, sample: "/api/v1/datasets/{dataset}/cohorts", tokens: true },
  "/api/v1/datasets/[slug]/[version]/cohorts/[id]": { methods: { GET: "dataset" }, sample: "/api/v1/datasets/{dataset}/cohorts/{missing}", allowedStatus: 404, tokens: true },
  "/api/v1/datasets/[slug]/[version]/cohorts/[id]/manifest": { methods: { GET: "dataset" }, sample: "/api/v1/datasets/{dataset}/cohorts/{missing}/manifest", allowedStatus: 404, tokens: true },
  "/api/v1/datasets/[slug]/[version]/studies": { methods: { GET: "dataset" }, sample: "/api/v1/datasets/{dataset}/studies", tokens: true },
  "/api/v1/datasets/[slug]/[version]/studies/[studyId]": { methods: { GET: "dataset" }, sample: "/api/v1/datasets/{dataset}/studies/{study}", tokens: true },
  "/api/v1/datasets/[slug]/[version]/files/[...path]": { methods: { GET: "dataset" }, sample: "/api/v1/datasets/{dataset}/files/files/{missing}.jpg", allowedStatus: 404, tokens: true },
  // DICOMweb (decision 035): QIDO-RS and WADO-RS under one catch-all; the probe is a study search.
  "/api/dicomweb/[slug]/[version]/[...path]": { methods: { GET: "dataset" }, sample: "/api/dicomweb/{dataset}/studies", tokens: true },
};

// Server actions are not used: mutations go through route handlers so that one wrapper applies
// the auth chokepoint, the Origin check and zod validation. The registry test fails on any "use server".
export const serverActionRegistry: Record<string, Access> = {};
