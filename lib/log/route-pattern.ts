import { routeRegistry } from "@/lib/auth/route-registry";

// A request is logged by the route it reached, never by its path: paths carry one-time tokens
// (/invite/…, /reset-password/…) and MIMIC identifiers (study and DICOM ids), which belong in the
// audit log, under the DUA, not in a server log that an operator ships elsewhere.
type Compiled = { pattern: string; segments: string[] };

const compiled: Compiled[] = Object.keys(routeRegistry)
  .map((pattern) => ({ pattern, segments: pattern.split("/").filter(Boolean) }))
  // Static segments win over dynamic ones ("/downloads/new" before "/downloads/[id]").
  .sort((a, b) => dynamicCount(a) - dynamicCount(b));

function dynamicCount(c: Compiled): number {
  return c.segments.filter((s) => s.startsWith("[")).length;
}

function matches(c: Compiled, parts: string[]): boolean {
  const last = c.segments[c.segments.length - 1] ?? "";
  if (last.startsWith("[...") || last.startsWith("[[...")) {
    const fixed = c.segments.slice(0, -1);
    return parts.length >= fixed.length + (last.startsWith("[[") ? 0 : 1) && fixed.every((s, i) => s.startsWith("[") || s === parts[i]);
  }
  return c.segments.length === parts.length && c.segments.every((s, i) => s.startsWith("[") || s === parts[i]);
}

/** The registry pattern a path belongs to, "/_next" for the framework's assets, or "(unknown)". */
export function routePattern(pathname: string): string {
  if (pathname.startsWith("/_next/")) return "/_next";
  const parts = pathname.split("?")[0]!.split("/").filter(Boolean);
  for (const c of compiled) if (matches(c, parts)) return c.pattern;
  if (parts.length === 1 && /^[\w.-]+\.(ico|svg|png|txt|webmanifest)$/.test(parts[0]!)) return "/[static]";
  return "(unknown)";
}
