import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { defineConfig } from "@playwright/test";
import { E2E_PHYSIONET } from "./e2e/support/physionet-upstream";
import { E2E_RESULTS_DIR } from "./e2e/support/results-dir";
import { appDatabaseUrl, ensureAppRole } from "./scripts/lib/app-role";

// Parallel runs on one machine (several developers' builds) each set E2E_RESULTS_DIR, E2E_PORT and
// E2E_OIDC_PORT, and LABGATE_NEXT_DIST_DIR for their own build; `npm test` uses the defaults.
const resultsDir = E2E_RESULTS_DIR;
export const E2E_STORAGE_DIR = path.join(resultsDir, "e2e-storage");
mkdirSync(E2E_STORAGE_DIR, { recursive: true });

/**
 * Run through `npm test`, which makes a fresh database, builds the app and sets the environment
 * below. The app is the production build (`next start`), as users get it.
 */
const port = Number(process.env.E2E_PORT ?? 3100);
const oidcPort = Number(process.env.E2E_OIDC_PORT ?? 3199);
const baseURL = `http://localhost:${port}`;
const ownerUrl = process.env.DATABASE_URL;
if (!ownerUrl) throw new Error("e2e: run the end-to-end suite through `npm test` (it creates the test database), or set DATABASE_URL to a migrated database");

// The app runs as its restricted database role, as `npm start` runs it (docs/decisions/015); the
// tests' own fixtures keep DATABASE_URL, the owner's, to make their rows. The role's password comes
// from the secret, which the app, the worker specs and the import CLI must share. The main process
// sets the role up once; the test workers (which load this file too) only need its URL.
process.env.NEXTAUTH_SECRET ??= "e2e-secret-e2e-secret-e2e-secret-e2e-0";
const appUrl = process.env.TEST_WORKER_INDEX === undefined ? await ensureAppRole(ownerUrl) : appDatabaseUrl(ownerUrl);
// For specs that start a worker process as the app would (e2e/downloads.spec.ts).
process.env.E2E_APP_DATABASE_URL = appUrl;

// The PhysioNet-like test upstream "Verify with PhysioNet" asks (e2e/credentialing.spec.ts): one
// version directory and two accounts, one holding that version and one holding nothing.
const upstreamPort = Number(process.env.E2E_UPSTREAM_PORT ?? oidcPort + 2);
const upstreamRoot = path.join(resultsDir, "e2e-upstream");
mkdirSync(upstreamRoot, { recursive: true });
writeFileSync(path.join(upstreamRoot, "LICENSE.txt"), "PhysioNet Credentialed Health Data License 1.5.0\n");

// PhysioNet's cloud mirror for e2e/downloads.spec.ts, which starts the S3-like test mirror
// (lib/physionet/upstream/mirror-server.ts) on this port; the app and its worker sign requests to it.
const mirrorPort = Number(process.env.E2E_MIRROR_PORT ?? upstreamPort + 1);
export const E2E_MIRROR_URL = `http://127.0.0.1:${mirrorPort}`;

const oidc = { OIDC_ISSUER: `http://127.0.0.1:${oidcPort}`, OIDC_CLIENT_ID: "labgate-e2e", OIDC_CLIENT_SECRET: "labgate-e2e-secret", OIDC_NAME: "Test University" };
const appEnv = {
  ...(process.env as Record<string, string>),
  ...oidc,
  NODE_ENV: "production",
  NEXTAUTH_URL: baseURL,
  DATABASE_URL: appUrl,
  NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET,
  NEXT_TELEMETRY_DISABLED: "1",
  // Lab storage for the steward's import test (e2e/import.spec.ts writes its directories there).
  LABGATE_STORAGE_DIR: E2E_STORAGE_DIR,
  PHYSIONET_BASE_URL: `http://127.0.0.1:${upstreamPort}`,
  LABGATE_MIRROR_AWS_ENDPOINT: E2E_MIRROR_URL,
  LABGATE_MIRROR_GCS_ENDPOINT: E2E_MIRROR_URL,
  LABGATE_MIRROR_EGRESS_USD_PER_GB: "0.09",
};

export default defineConfig({
  testDir: "e2e",
  // The viewer's reference renderings start first and go on in the background (viewer-references.ts).
  globalSetup: ["./e2e/support/viewer-references.ts", "./e2e/support/mimic-data.ts"],
  outputDir: path.join(resultsDir, "e2e"),
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  reporter: [["list"], ["json", { outputFile: path.join(resultsDir, "e2e.json") }]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    },
  },
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
  webServer: [
    {
      command: [
        "node node_modules/tsx/dist/cli.mjs scripts/upstream.ts --quiet --write-sums",
        `--root ${upstreamRoot} --slug ${E2E_PHYSIONET.slug} --version ${E2E_PHYSIONET.version} --port ${upstreamPort}`,
        `--user '${E2E_PHYSIONET.credentialed.username}:${E2E_PHYSIONET.credentialed.password}:credentialed'`,
        `--user '${E2E_PHYSIONET.uncredentialed.username}:${E2E_PHYSIONET.uncredentialed.password}:none'`,
      ].join(" "),
      url: `http://127.0.0.1:${upstreamPort}/files/${E2E_PHYSIONET.slug}/${E2E_PHYSIONET.version}/LICENSE.txt`,
      // Any HTTP answer (a 401 here) means the server is up.
      ignoreHTTPSErrors: true,
      reuseExistingServer: false,
      stdout: "ignore",
    },
    {
      command: "node node_modules/tsx/dist/cli.mjs e2e/support/oidc-provider.ts",
      url: `${oidc.OIDC_ISSUER}/.well-known/openid-configuration`,
      env: { ...appEnv, OIDC_PORT: String(oidcPort) },
      reuseExistingServer: false,
      stdout: "ignore",
    },
    {
      // Tests keep API request contexts idle across long steps; with Node's 5 s keep-alive the server
      // may close a connection just as the client reuses it (ECONNRESET). Idle sockets stay open here.
      command: `node node_modules/next/dist/bin/next start -p ${port} --keepAliveTimeout 600000`,
      url: `${baseURL}/api/health`,
      env: appEnv,
      reuseExistingServer: false,
      timeout: 60_000,
    },
  ],
});
