import { spawn } from "node:child_process";

/** Runs `npm run <script> -- <args>` as the README shows it, with `env` on top of this process's. */
export function npmRun(script: string, args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const merged: Record<string, string | undefined> = { ...process.env, ...env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete merged[k];
    const child = spawn("npm", ["run", "--silent", script, "--", ...args], { env: merged as NodeJS.ProcessEnv });
    let out = "";
    child.stdout.on("data", (d) => (out += String(d)));
    child.stderr.on("data", (d) => (out += String(d)));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
  });
}
