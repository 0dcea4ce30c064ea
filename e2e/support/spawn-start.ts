import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { dropDatabase, ensureDatabase } from "../../scripts/lib/database";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** An empty database on the e2e suite's server, as a lab's own DATABASE_URL would be on day one. */
export async function emptyDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/labgate_e2e_fresh_${randomUUID().slice(0, 8)}`;
  await ensureDatabase(url.toString());
  return { url: url.toString(), drop: () => dropDatabase(url.toString()) };
}

export type Started = { url: string; output: () => string; waitFor: (re: RegExp, ms?: number) => Promise<RegExpMatchArray>; stop: () => Promise<void> };

/**
 * Runs a shell command line exactly as the README shows it (`npm start`, `npm run setup -- …`) in its
 * own process group, with the e2e build (LABGATE_NEXT_DIST_DIR) and no rebuild.
 */
export function runCommand(command: string, env: Record<string, string>): { child: ChildProcess; output: () => string; waitFor: Started["waitFor"]; exited: Promise<number | null> } {
  const child = spawn("bash", ["-c", command], { env: { ...process.env, LABGATE_SKIP_BUILD: "1", ...env }, detached: true, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  const listeners = new Set<() => void>();
  const add = (b: Buffer) => {
    out += b.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on("data", add);
  child.stderr!.on("data", add);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const waitFor = (re: RegExp, ms = 90_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const m = re.exec(out);
        if (m) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(m);
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out waiting for ${re} in:\n${out}`));
      }, ms);
      listeners.add(check);
      check();
    });
  return { child, output: () => out, waitFor, exited };
}

/** `npm start` against `databaseUrl` on a free port; stop() ends the app, its worker and the parent. */
export async function startLabgate(opts: { databaseUrl: string; env?: Record<string, string> }): Promise<Started> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const run = runCommand("npm start", { DATABASE_URL: opts.databaseUrl, PORT: String(port), NEXTAUTH_URL: url, ...opts.env });
  await run.waitFor(/labgate: serving on/);
  for (let i = 0; i < 150; i++) {
    const ok = await fetch(`${url}/api/health`).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    output: run.output,
    waitFor: run.waitFor,
    stop: async () => {
      if (run.child.exitCode === null) process.kill(-run.child.pid!, "SIGTERM");
      const timer = setTimeout(() => run.child.exitCode === null && process.kill(-run.child.pid!, "SIGKILL"), 15_000);
      await run.exited;
      clearTimeout(timer);
    },
  };
}
