/**
 * `npm run bench [-- name ...]`: runs the measures (all, or those whose name starts with an
 * argument) on a fresh database and records them in bench/results.json and bench/results.md.
 */
import path from "node:path";
import { dropDatabase, ensureDatabase, runMigrations } from "@/scripts/lib/database";
import { resolveDatabaseServer } from "@/scripts/lib/database-server";
import { saveResults, type Measure, type MeasureResult } from "./harness";
import { apiManifest } from "./measures/api-manifest";
import { auditAppend } from "./measures/audit-append";
import { auditConcurrent } from "./measures/audit-concurrent";
import { dicomwebRetrieve } from "./measures/dicomweb";
import { loadMixed } from "./measures/load-mixed";
import { downloadLarge, downloadMemory, downloadTree } from "./measures/downloads";
import { downloadMirror } from "./measures/download-mirror";
import { mimicBrowseConcurrent, mimicBrowsePage } from "./measures/mimic-browse";
import { mimicImport } from "./measures/mimic-import";
import { mimicImportReports } from "./measures/mimic-import-reports";
import { viewerFirstPixel, viewerFirstPixelJ2k, viewerMemory, viewerWindowLevel } from "./measures/viewer-measures";

// Order matters: the browse measures and load.mixed reuse the dataset import.full has loaded.
const MEASURES: Measure[] = [auditAppend, auditConcurrent, mimicImport, mimicImportReports, mimicBrowsePage, mimicBrowseConcurrent, viewerFirstPixel, viewerFirstPixelJ2k, viewerWindowLevel, viewerMemory, apiManifest, downloadTree, downloadLarge, downloadMemory, downloadMirror, dicomwebRetrieve, loadMixed];

async function main() {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
  const selected = MEASURES.filter((m) => wanted.length === 0 || wanted.some((w) => m.name.startsWith(w)));
  if (selected.length === 0) {
    console.error(`bench: no measure matches ${wanted.join(", ")}; known: ${MEASURES.map((m) => m.name).join(", ")}`);
    process.exit(2);
  }
  process.env.NEXTAUTH_SECRET ??= "bench-secret-bench-secret-bench-secret-00";
  const server = await resolveDatabaseServer({ dataDir: path.resolve("data/postgres-test"), port: 54339 });
  const url = server.url(`labgate_bench_${Date.now()}`);
  process.env.DATABASE_URL = url;
  const results: Record<string, MeasureResult> = {};
  const descriptions: Record<string, string> = {};
  try {
    await ensureDatabase(url);
    await runMigrations(url);
    for (const m of selected) {
      console.log(`bench: ${m.name} — ${m.description}`);
      results[m.name] = { ...(await m.run({ databaseUrl: url, log: (l) => console.log(`  ${l}`) })), measured_at: new Date().toISOString() };
      descriptions[m.name] = m.description;
    }
  } finally {
    const { closeDb } = await import("@/lib/db/client");
    const { stopJobSender } = await import("@/lib/jobs/job-runner");
    // The download measures enqueue through pg-boss; its pool must be gone before the database is.
    await stopJobSender();
    await closeDb();
    await dropDatabase(url).catch(() => {});
    await server.stop();
  }
  saveResults(results, Object.fromEntries(MEASURES.map((m) => [m.name, m.description])));
  console.log(JSON.stringify(results, null, 2));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
