/**
 * `npm start`: database (embedded unless DATABASE_URL), migrations, demo seed once, the app's
 * database role and its grants, build if needed, then `next start` and the worker, both connected as
 * that restricted role (docs/decisions/015). Stays the parent of both servers so Ctrl-C stops them together.
 */
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { ensureDatabase, runMigrations } from "./lib/database";
import { ensureAppRole } from "./lib/app-role";
import { resolveDatabaseServer, redact } from "./lib/database-server";
import { ensureDemoData } from "./lib/demo-data";
import { DEMO_PHYSIONET_USERNAME, DEMO_USERS, seedDemo } from "./lib/demo-seed";
import { DEMO_PHYSIONET_PASSWORD, startDemoUpstream } from "./lib/demo-upstream";
import { buildIsStale } from "./lib/build-freshness";
import { ensureAuthSecret, loadDotEnv } from "./lib/runtime-env";
import { firstRunToken, isDemo } from "./lib/first-run";
import { supervise } from "@/lib/ops/supervisor";

async function main() {
  loadDotEnv();
  ensureAuthSecret();
  const port = Number(process.env.PORT ?? 3000);
  const server = await resolveDatabaseServer({ dataDir: path.resolve("data/postgres"), port: Number(process.env.EMBEDDED_PG_PORT ?? 54329) });
  const url = process.env.DATABASE_URL ?? server.url("labgate");
  await ensureDatabase(url);
  await runMigrations(url);
  // The demo lab (public passwords, synthetic data) belongs to the embedded first look only, or to
  // whoever asks for it; a lab's own DATABASE_URL server never receives it unasked.
  const demo = isDemo({ embedded: server.embedded });
  const seeded = demo ? await seedDemo(url) : { created: false };
  const appUrl = await ensureAppRole(url);
  console.log(`labgate: database ${redact(url)} migrated${seeded.created ? ", demo lab seeded" : ""}; the app connects as ${decodeURIComponent(new URL(appUrl).username)}`);
  const demoData = demo && process.env.LABGATE_DEMO_DATA !== "0";
  // The import CLI takes the owner's URL (it migrates first) and imports as the app role.
  if (demoData) await ensureDemoData(url);
  // Without a PhysioNet to talk to, the demo talks to its own PhysioNet-like server.
  const demoUpstream = demoData && !process.env.PHYSIONET_BASE_URL ? await startDemoUpstream({ port: Number(process.env.DEMO_UPSTREAM_PORT ?? 0) }) : null;
  const setupToken = demo ? null : await firstRunToken(url);

  const host = process.env.HOST || "127.0.0.1";
  const publicUrl = process.env.NEXTAUTH_URL ?? `http://localhost:${port}`;
  // The owner's URL stays here: the app and the worker (and the download workers it spawns) get the app role's.
  const env = { ...process.env, DATABASE_URL: appUrl, NEXTAUTH_URL: publicUrl, LABGATE_DEMO: demo ? "1" : "0", ...(demoUpstream ? { PHYSIONET_BASE_URL: demoUpstream.url } : {}) };
  const nextBin = path.resolve("node_modules/next/dist/bin/next");
  if (process.env.LABGATE_SKIP_BUILD !== "1" && buildIsStale()) {
    console.log("labgate: building the app (first start or sources changed)…");
    const build = spawnSync(process.execPath, [nextBin, "build"], { stdio: "inherit", env: { ...env, NODE_ENV: "production" } });
    if (build.status !== 0) {
      await demoUpstream?.close();
      await server.stop();
      process.exit(build.status ?? 1);
    }
  }
  const app = spawn(process.execPath, [nextBin, "start", "-p", String(port), "-H", host], { stdio: "inherit", env: { ...env, NODE_ENV: "production" } });
  // Background jobs (downloads, daily credentialing sweep, mail) run in their own process, restarted
  // (with backoff, logged) whenever it dies: a dead worker would leave downloads "running" for nobody.
  const worker = supervise({
    name: "the background worker",
    // libuv's default four threads are all an fsync-heavy download verifier needs to stall every other
    // file operation of the worker (decision 032); a lab can still set its own.
    start: () => spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/worker.ts"], { stdio: "inherit", env: { UV_THREADPOOL_SIZE: "16", ...env, NODE_ENV: "production" } }),
  });
  console.log(`\nlabgate: serving on ${publicUrl} (listening on ${host}:${port}${host === "127.0.0.1" ? "; set HOST to listen elsewhere" : ""})`);
  if (demo) {
    console.log(`Demo lab "Demo Imaging Lab" (synthetic data; these passwords are public):`);
    for (const u of DEMO_USERS) console.log(`  ${u.role.padEnd(8)} ${u.email}  /  ${u.password}`);
  }
  if (setupToken) console.log(`No lab exists yet. Create it with \`npm run setup\`, or open this one-time link (valid until the next start):\n  ${publicUrl}/setup?token=${setupToken}`);
  if (demoUpstream) console.log(`Demo PhysioNet (synthetic data, for "Verify with PhysioNet" and downloads): ${demoUpstream.url}\n  the researcher's PhysioNet account ${DEMO_PHYSIONET_USERNAME}  /  ${DEMO_PHYSIONET_PASSWORD}`);
  const shutdown = () => {
    app.kill("SIGTERM");
    void worker.stop("SIGTERM");
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
  app.on("exit", async (code) => {
    // The app stopping (however) stops the worker too; the worker finishes its running job first.
    await worker.stop("SIGTERM");
    await demoUpstream?.close();
    await server.stop();
    process.exit(code ?? 0);
  });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
