import { describe, expect, it } from "vitest";
import { routeRegistry } from "@/lib/auth/route-registry";
import { routePattern } from "@/lib/log/route-pattern";

describe("a request is logged by its route, not its path", () => {
  it("maps paths to the registry's patterns, static segments before dynamic ones", () => {
    expect(routePattern("/")).toBe("/");
    expect(routePattern("/downloads/new")).toBe("/downloads/new");
    expect(routePattern("/downloads/7c1f0c2e-1a8b-4a43-9d4f-0d0f9a1b2c3d")).toBe("/downloads/[id]");
    expect(routePattern("/datasets/mimic-cxr-jpg/2.0.0/studies/50414267")).toBe("/datasets/[slug]/[version]/studies/[studyId]");
    expect(routePattern("/api/auth/callback/credentials")).toBe("/api/auth/[...nextauth]");
    expect(routePattern("/_next/static/chunks/app.js")).toBe("/_next");
    expect(routePattern("/no/such/page")).toBe("(unknown)");
  });

  it("so one-time tokens and MIMIC identifiers never reach the log line", () => {
    for (const p of ["/invite/secret-invite-token-0123456789", "/reset-password/secret-reset-token-0123", "/api/datasets/mimic-cxr/2.1.0/images/02aa804e-bde0afdd-112c0b34-7bc16630-4e384014"]) {
      const r = routePattern(p);
      expect(r).not.toMatch(/secret|02aa804e/);
      expect(routeRegistry[r]).toBeDefined();
    }
  });

  it("knows every registered route as itself", () => {
    for (const pattern of Object.keys(routeRegistry)) {
      const sample = pattern.replace(/\[\.\.\.\w+\]/, "a/b").replace(/\[\w+\]/g, "x1");
      expect(routePattern(sample), pattern).toBe(pattern);
    }
  });
});
