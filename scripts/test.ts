/**
 * `npm test`: lint, typecheck, Vitest (unit + integration on a fresh PostgreSQL database), a
 * production build, and the Playwright suite in Chromium against it (another fresh database).
 * Ends with one summary line "N passed, N failed".
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { ensureChromium } from "./lib/chromium";
import { dropDatabase, ensureDatabase, runMigrations } from "./lib/database";
import { resolveDatabaseServer } from "./lib/database-server";

const bin = (pkg: string) => path.resolve("node_modules", pkg);
const totals = { passed: 0, failed: 0, skipped: 0 };
/** Said again after the summary: a CI log shows only its tail. */
const notes: string[] = [];

function run(label: string, args: string[], env: NodeJS.ProcessEnv = process.env): boolean {
  console.log(`\n── ${label} ──`);
  const r = spawnSync(process.execPath, args, { stdio: "inherit", env });
  return r.status === 0;
}

/** run(), keeping what the child printed as well (live on our output too). */
function runTee(label: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ ok: boolean; output: string }> {
  console.log(`\n── ${label} ──`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ["inherit", "pipe", "pipe"], env });
    let output = "";
    child.stdout.on("data", (b: Buffer) => (process.stdout.write(b), (output += b.toString())));
    child.stderr.on("data", (b: Buffer) => (process.stderr.write(b), (output += b.toString())));
    child.on("close", (code) => resolve({ ok: code === 0, output }));
  });
}

/** Adds a run's report to the totals; returns how many of its tests failed. */
function countVitest(file: string): number {
  if (!existsSync(file)) return 0;
  const j = JSON.parse(readFileSync(file, "utf8")) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number };
  totals.passed += j.numPassedTests;
  totals.failed += j.numFailedTests;
  totals.skipped += j.numPendingTests + j.numTodoTests;
  return j.numFailedTests;
}

function countPlaywright(file: string): number {
  if (!existsSync(file)) return 0;
  const j = JSON.parse(readFileSync(file, "utf8")) as { stats: { expected: number; unexpected: number; flaky: number; skipped: number } };
  totals.passed += j.stats.expected + j.stats.flaky;
  totals.failed += j.stats.unexpected;
  totals.skipped += j.stats.skipped;
  return j.stats.unexpected;
}

async function main(): Promise<number> {
  rmSync("test-results", { recursive: true, force: true });
  const steps: [string, boolean][] = [];
  steps.push(["lint", run("lint (eslint)", [bin("eslint/bin/eslint.js"), ".", "--max-warnings=0"])]);
  steps.push(["typecheck", run("typecheck (tsc)", [bin("typescript/bin/tsc"), "--noEmit", "-p", "."])]);
  const chromium = ensureChromium();

  const server = await resolveDatabaseServer({ dataDir: path.resolve("data/postgres-test"), port: 54339 });
  const stamp = `${Date.now()}_${process.pid}`;
  const unitDb = server.url(`labgate_test_${stamp}`);
  const e2eDb = server.url(`labgate_e2e_${stamp}`);
  try {
    for (const db of [unitDb, e2eDb]) {
      await ensureDatabase(db);
      await runMigrations(db);
    }
    const base = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NEXTAUTH_SECRET: "test-secret-test-secret-test-secret-0123" };
    const vitest = await runTee("unit + integration (vitest)", [bin("vitest/vitest.mjs"), "run", "--reporter=default", "--reporter=json", "--outputFile.json=test-results/vitest.json"], { ...base, LABGATE_TEST_DATABASE_URL: unitDb });
    const vitestOk = vitest.ok;
    // The report decides too: a child's exit code was once forced to 0 by a dependency's exit hook.
    const vitestFailed = countVitest("test-results/vitest.json");
    // Vitest also fails a run for errors outside any test (an unhandled rejection, a crashed fork):
    // say so at the end, where a CI log's tail shows it, and the first lines of what it printed.
    if (!vitestOk && vitestFailed === 0) {
      const plain = vitest.output.replace(/\x1b\[[0-9;]*m/g, "");
      const at = plain.search(/Unhandled (Errors|Rejection)|Error: /);
      const note = `vitest: every test passed, but the run failed on an error outside the tests:\n${at >= 0 ? plain.slice(at, at + 3000) : plain.slice(-3000)}`;
      console.log(`\n${note}`);
      notes.push(note);
    }
    steps.push(["vitest", vitestFailed === 0 && vitestOk]);

    const buildOk = run("build (next build)", [bin("next/dist/bin/next"), "build"], { ...base, NODE_ENV: "production" });
    steps.push(["build", buildOk]);
    if (buildOk) {
      const e2eOk = run("end-to-end (playwright, chromium)", [bin("@playwright/test/cli.js"), "test"], { ...base, DATABASE_URL: e2eDb, CHROMIUM_PATH: chromium });
      steps.push(["e2e", countPlaywright("test-results/e2e.json") === 0 && e2eOk]);
      // The chain must still hold after everything the suite did to the app, concurrency included:
      // the README's two commands, as written, on the end-to-end database and its lab storage.
      const auditEnv = { ...base, DATABASE_URL: e2eDb, LABGATE_STORAGE_DIR: path.resolve("test-results/e2e-storage") };
      const npm = (script: string) => {
        console.log(`\n── npm run ${script} (end-to-end database) ──`);
        return spawnSync("npm", ["run", script], { stdio: "inherit", env: auditEnv }).status === 0;
      };
      steps.push(["audit", npm("audit:checkpoint") && npm("audit:verify")]);
    }
  } finally {
    await dropDatabase(unitDb).catch(() => {});
    await dropDatabase(e2eDb).catch(() => {});
    await server.stop();
  }
  const failedSteps = steps.filter(([, ok]) => !ok).map(([name]) => name);
  for (const note of notes) console.log(`\n${note}`);
  console.log(`\nsteps: ${steps.map(([n, ok]) => `${n} ${ok ? "ok" : "FAILED"}`).join(", ")}`);
  // Steps without test counts (lint, typecheck, build, audit) count as one failure each when they fail.
  const stepFailures = failedSteps.filter((s) => ["lint", "typecheck", "build", "audit"].includes(s)).length;
  console.log(`${totals.passed} passed, ${totals.failed + stepFailures} failed, ${totals.skipped} skipped`);
  return failedSteps.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
