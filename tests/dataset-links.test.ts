import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// A prefetched dataset page runs its query and writes an audit row ("study.view", "dataset.browse")
// for a page the user never opened, so every Link on a dataset page must opt out of prefetching.
const ROOTS = ["components/explorer", "components/datasets", "app/datasets"];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".tsx") ? [p] : [];
  });
}

describe("links on dataset pages", () => {
  it("all opt out of prefetching", () => {
    const offenders = ROOTS.flatMap(files).flatMap((f) =>
      [...readFileSync(f, "utf8").matchAll(/<Link\b[^>]*>/g)].filter((m) => !m[0].includes("prefetch={false}")).map((m) => `${f}: ${m[0].slice(0, 60)}`),
    );
    expect(ROOTS.flatMap(files).length).toBeGreaterThan(5);
    expect(offenders).toEqual([]);
  });
});
