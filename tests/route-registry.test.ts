import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { routeRegistry, serverActionRegistry } from "@/lib/auth/route-registry";
import { checkRegistry, scanRoutes, scanServerActions } from "./support/route-scan";

const APP = path.resolve("app");

describe("route access registry", () => {
  it("declares every page and route handler method under app/, and nothing that no longer exists", () => {
    const found = scanRoutes(APP);
    expect(found.length).toBeGreaterThan(5);
    const { undeclared, stale } = checkRegistry(found, routeRegistry);
    expect(undeclared.map((r) => `${r.method} ${r.path} (${path.relative(".", r.file)})`), "add these to lib/auth/route-registry.ts").toEqual([]);
    expect(stale, "remove these from lib/auth/route-registry.ts").toEqual([]);
  });

  it("has no undeclared server actions", () => {
    const actions = scanServerActions([APP, path.resolve("components"), path.resolve("lib")]).map((f) => path.relative(".", f));
    expect(actions.filter((f) => !(f in serverActionRegistry))).toEqual([]);
  });

  it("every route handler goes through the route() wrapper (the auth chokepoint) or next-auth", async () => {
    const { readFileSync } = await import("node:fs");
    for (const r of scanRoutes(APP).filter((r) => r.file.endsWith("route.ts"))) {
      const src = readFileSync(r.file, "utf8");
      expect(/= route(<[^>]*>)?\(\{ access: "/.test(src) || src.includes("NextAuth("), r.file).toBe(true);
    }
  });

  it("a route handler accepts access tokens exactly where the registry says so (decision 028)", async () => {
    const { readFileSync } = await import("node:fs");
    for (const r of scanRoutes(APP).filter((r) => r.file.endsWith("route.ts"))) {
      const acceptsTokens = /route(<[^>]*>)?\(\{ access: "(member|dataset)"[^}]*tokens: true/.test(readFileSync(r.file, "utf8"));
      expect(acceptsTokens, `${r.file}: tokens in route() vs the registry`).toBe(routeRegistry[r.path]!.tokens === true);
    }
  });

  it("every page calls requireUser/requireRole first unless the registry declares it public", async () => {
    const { readFileSync } = await import("node:fs");
    for (const r of scanRoutes(APP).filter((r) => r.file.endsWith("page.tsx"))) {
      const access = routeRegistry[r.path]!.methods.GET;
      if (access === "public") continue;
      const body = readFileSync(r.file, "utf8").split(/export default async function \w+\([^)]*\)[^{]*\{/)[1] ?? "";
      expect(body.trimStart().match(/^const (\w+|\{[\w ,]+\}) = await (requireUser|requireRole|requireDatasetAccess)\(/), r.file).not.toBeNull();
    }
  });
});

// The test of the test: a route added without a declaration must make the check fail.
describe("route registry check catches omissions", () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("reports an undeclared page, an undeclared method and a stale entry", () => {
    dir = mkdtempSync(path.join(tmpdir(), "labgate-app-"));
    mkdirSync(path.join(dir, "(group)", "secret", "[id]"), { recursive: true });
    writeFileSync(path.join(dir, "(group)", "secret", "[id]", "page.tsx"), "export default function P() { return null }");
    mkdirSync(path.join(dir, "api", "thing"), { recursive: true });
    writeFileSync(path.join(dir, "api", "thing", "route.ts"), "export const GET = 1;\nexport async function DELETE() {}\n");
    mkdirSync(path.join(dir, "_components"), { recursive: true });
    writeFileSync(path.join(dir, "_components", "page.tsx"), "export default function P() { return null }");
    const found = scanRoutes(dir);
    expect(found.map((r) => `${r.method} ${r.path}`)).toEqual(["DELETE /api/thing", "GET /api/thing", "GET /secret/[id]"]);
    const { undeclared, stale } = checkRegistry(found, { "/api/thing": { methods: { GET: "member" } }, "/gone": { methods: { GET: "public" } } });
    expect(undeclared.map((r) => `${r.method} ${r.path}`)).toEqual(["DELETE /api/thing", "GET /secret/[id]"]);
    expect(stale).toEqual(["GET /gone"]);
  });

  it("reports a server action file", () => {
    dir = mkdtempSync(path.join(tmpdir(), "labgate-actions-"));
    writeFileSync(path.join(dir, "actions.ts"), '"use server";\nexport async function doIt() {}\n');
    expect(scanServerActions([dir])).toHaveLength(1);
  });
});
