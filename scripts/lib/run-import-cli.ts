import { spawnSync } from "node:child_process";

/**
 * Runs `scripts/import.ts` in a child process. The importer is server code that refuses to load
 * outside the react-server condition, so scripts that are not Next (start, e2e setup) go through here.
 */
export function runImportCli(opts: { dir: string; slug: string; version: string; databaseUrl?: string; quiet?: boolean }): { ok: boolean; output: string } {
  const r = spawnSync(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/import.ts", opts.dir, "--dataset", opts.slug, "--version", opts.version], {
    env: opts.databaseUrl ? { ...process.env, DATABASE_URL: opts.databaseUrl } : process.env,
    encoding: "utf8",
    stdio: opts.quiet ? "pipe" : ["ignore", "inherit", "inherit"],
  });
  return { ok: r.status === 0, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}
