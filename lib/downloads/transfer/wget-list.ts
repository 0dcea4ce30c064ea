import { execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { awaitExit } from "@/lib/physionet/wget/await-exit";
import { findWget } from "@/lib/physionet/wget/find-wget";
import type { PrivateWgetDir } from "@/lib/physionet/wget/private-wgetrc";
import { createWgetLogParser, type UrlOutcome } from "./wget-log";

export type WgetListRun = { exitCode: number | null; aborted: boolean; timedOut: boolean; outcomes: Map<string, UrlOutcome> };

/**
 * One GNU wget process over a list of URLs (`--input-file`): one keep-alive connection, and the
 * session cookie PhysioNet sets after the first Basic login kept in a jar inside the private
 * directory, so later requests and later runs skip the password check. Credentials are only in the
 * private wgetrc (never argv or environment). Reports each URL as wget finishes with it, so a lane can verify
 * a file while wget fetches the next one.
 */
export async function runWgetList({
  privateDir,
  urls,
  args,
  signal,
  timeoutMs,
  onUrlStart,
  onUrlEnd,
  onSpawn,
}: {
  privateDir: PrivateWgetDir & { cookiesPath: string };
  urls: string[];
  args: string[];
  signal?: AbortSignal;
  timeoutMs: number;
  onUrlStart?: (url: string) => void;
  onUrlEnd?: (url: string, outcome: UrlOutcome) => void;
  onSpawn?: (info: { pid: number; args: readonly string[]; env: Readonly<Record<string, string>> }) => void;
}): Promise<WgetListRun> {
  const wget = await findWget();
  const listPath = path.join(privateDir.dir, `urls-${randomUUID()}.txt`);
  await writeFile(listPath, urls.map((u) => `${u}\n`).join(""), { mode: 0o600, flag: "wx" });
  const fullArgs = [
    `--config=${privateDir.wgetrcPath}`,
    "--server-response",
    "--no-hsts",
    `--load-cookies=${privateDir.cookiesPath}`,
    `--save-cookies=${privateDir.cookiesPath}`,
    "--keep-session-cookies",
    ...(privateDir.caCertificatePath ? [`--ca-certificate=${privateDir.caCertificatePath}`] : []),
    `--input-file=${listPath}`,
    ...args,
  ];
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: privateDir.dir, LC_ALL: "C" };
  for (const name of ["http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"]) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  // A worker killed with SIGKILL cannot stop its wget; left running, it would keep appending to a
  // staged file that the worker taking over resumes too. The parent-death signal kills it with us.
  const guard = await parentDeathGuard();
  const child = spawn(guard ? guard[0]! : wget.path, guard ? [...guard.slice(1), wget.path, ...fullArgs] : fullArgs, { env: env as NodeJS.ProcessEnv, cwd: privateDir.dir, stdio: ["ignore", "ignore", "pipe"] });
  if (child.pid !== undefined) onSpawn?.({ pid: child.pid, args: [wget.path, ...fullArgs], env });

  const known = new Set(urls);
  const parser = createWgetLogParser({ known, onUrlStart, onUrlEnd });
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (text: string) => parser.push(text));

  const { exitCode, timedOut, aborted } = await awaitExit({ child, timeoutMs, signal });
  parser.end({ interrupted: aborted || timedOut });
  return { exitCode, aborted, timedOut, outcomes: parser.outcomes };
}

let guardChecked: Promise<string[] | null> | undefined;
/** `setpriv --pdeathsig KILL --` (util-linux, Linux) when it works here; null elsewhere (wget then dies of SIGPIPE at its next output). */
function parentDeathGuard(): Promise<string[] | null> {
  guardChecked ??= new Promise((resolve) => {
    const command = ["/usr/bin/setpriv", "--pdeathsig", "KILL", "--"];
    execFile(command[0]!, [...command.slice(1), "/bin/true"], { timeout: 5_000 }, (error) => resolve(error ? null : command));
  });
  return guardChecked;
}

