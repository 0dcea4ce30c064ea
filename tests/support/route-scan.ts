import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { RouteDeclaration } from "@/lib/auth/route-registry";

export type FoundRoute = { path: string; method: string; file: string };

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

// "(group)" folders do not appear in URLs; "_private" folders are not routable.
function urlPath(appDir: string, file: string): string | null {
  const segments = path.relative(appDir, path.dirname(file)).split(path.sep).filter(Boolean);
  if (segments.some((s) => s.startsWith("_") || s.startsWith("@"))) return null;
  const url = segments.filter((s) => !(s.startsWith("(") && s.endsWith(")")));
  return `/${url.join("/")}`;
}

/** Every page (as GET) and every exported method of every route handler under `appDir`. */
export function scanRoutes(appDir: string): FoundRoute[] {
  const found: FoundRoute[] = [];
  for (const file of walk(appDir)) {
    const base = path.basename(file);
    const p = urlPath(appDir, file);
    if (!p) continue;
    if (/^page\.(tsx?|jsx?|mdx)$/.test(base)) found.push({ path: p, method: "GET", file });
    if (/^route\.(tsx?|jsx?)$/.test(base)) {
      const src = readFileSync(file, "utf8");
      const exported = new Set<string>();
      for (const m of src.matchAll(/export\s+(?:const|async\s+function|function)\s+([A-Z]+)\b/g)) exported.add(m[1]!);
      for (const m of src.matchAll(/export\s*\{([^}]*)\}/g)) {
        for (const part of m[1]!.split(",")) exported.add(part.split(/\s+as\s+/).pop()!.trim());
      }
      for (const method of METHODS) if (exported.has(method)) found.push({ path: p, method, file });
    }
  }
  return found.sort((a, b) => (a.path + a.method).localeCompare(b.path + b.method));
}

/** Files that define server actions; the registry must declare each (labgate uses none). */
export function scanServerActions(roots: string[]): string[] {
  return roots.flatMap((r) => walk(r)).filter((f) => /\.(tsx?|jsx?)$/.test(f) && /^\s*["']use server["']/m.test(readFileSync(f, "utf8")));
}

export function checkRegistry(found: FoundRoute[], registry: Record<string, RouteDeclaration>) {
  const undeclared = found.filter((r) => !registry[r.path]?.methods[r.method as keyof RouteDeclaration["methods"]]);
  const foundKeys = new Set(found.map((r) => `${r.method} ${r.path}`));
  const stale = Object.entries(registry).flatMap(([p, d]) => Object.keys(d.methods).map((m) => `${m} ${p}`)).filter((k) => !foundKeys.has(k));
  return { undeclared, stale };
}
