import { spawnSync } from "node:child_process";
import path from "node:path";
import { buildIsStale } from "@/scripts/lib/build-freshness";

/**
 * The measures that start the app measure the production build, as users run it: built here when
 * there is none or a source is newer. LABGATE_SKIP_BUILD=1 uses the build that is there, as `npm start` does.
 */
export function ensureProductionBuild(log: (line: string) => void): void {
  if (process.env.LABGATE_SKIP_BUILD === "1" || !buildIsStale()) return;
  log("building the app (no production build, or sources changed)…");
  const build = spawnSync(process.execPath, [path.resolve("node_modules/next/dist/bin/next"), "build"], { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" } });
  if (build.status !== 0) throw new Error("bench: next build failed");
}
