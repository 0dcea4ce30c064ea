import { execFile, spawn } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { awaitExit, type ChildExit } from "./await-exit";
import { netrcFor, type WgetCredentials } from "./credentials";
import { findWget } from "./find-wget";
import { createRunDir } from "./private-root";
import { collectFifo, feedFifo, makeFifos } from "./secret-fifo";
import { acquireWgetSlot, type WgetPurpose } from "./wget-slots";

export type WgetSpawnInfo = {
  pid: number;
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  /** The run's private folder (wget's HOME and cwd); removed when the run ends. */
  dir: string;
  /** The FIFO the credentials pass through (wget reads it as ~/.netrc); null without credentials. */
  netrcPath: string | null;
};

export type WgetProcessRun = ChildExit & {
  /** The cookie jar wget saved (Netscape format), when `cookies` was given and wget wrote one. */
  cookies: string | null;
};

/**
 * Every GNU wget labgate runs starts here. It
 * - takes a slot of the installation-wide cap (./wget-slots.ts) for as long as wget runs;
 * - gives wget a private folder under the worker-owned root (./private-root.ts) as HOME and cwd,
 *   with --no-config, so no wgetrc, .netrc or HSTS file of the user's takes part;
 * - passes the credentials as a ~/.netrc FIFO, the cookie jar in and out and the URL list through
 *   FIFOs too (./secret-fifo.ts): no password, session cookie or list is ever in a file, argv
 *   or the environment (the last two are readable in /proc);
 * - starts wget under `setpriv --pdeathsig KILL`, so it dies with the process that started it even
 *   when that one is killed with SIGKILL (a wget left running would keep writing into staging);
 * - removes the folder when wget ends, whatever happens.
 */
export async function spawnWget({
  args,
  urls,
  credentials,
  caCertificate = null,
  cookies,
  purpose,
  timeoutMs,
  signal,
  onStderr,
  onSpawn,
}: {
  /** Options and URLs for wget; never a secret. */
  args: string[];
  /** URLs to hand over as --input-file (through a FIFO), if any. */
  urls?: string[];
  credentials: WgetCredentials | null;
  /** The hosts the credentials may go to are those of `args`' and `urls`' URLs. */
  caCertificate?: string | null;
  /** A cookie jar to start from ("" for none) and to collect back; undefined: no jar at all. */
  cookies?: string;
  purpose: WgetPurpose;
  timeoutMs: number;
  signal?: AbortSignal;
  onStderr?: (text: string) => void;
  onSpawn?: (info: WgetSpawnInfo) => void;
}): Promise<WgetProcessRun> {
  const wget = await findWget();
  if (signal?.aborted) return { exitCode: null, timedOut: false, aborted: true, cookies: null };
  const hosts = credentials ? hostsOf([...args, ...(urls ?? [])]) : [];
  if (credentials) assertCredentialHosts(args, hosts);
  const netrc = credentials ? netrcFor(credentials, hosts) : null;

  let slot;
  try {
    slot = await acquireWgetSlot({ purpose, signal });
  } catch (e) {
    if (signal?.aborted) return { exitCode: null, timedOut: false, aborted: true, cookies: null };
    throw e;
  }
  let dir: string | null = null;
  try {
    dir = await createRunDir();
    const netrcPath = netrc ? path.join(dir, ".netrc") : null;
    const cookiesIn = cookies !== undefined ? path.join(dir, "cookies-in") : null;
    const cookiesOut = cookies !== undefined ? path.join(dir, "cookies-out") : null;
    const urlList = urls ? path.join(dir, "urls") : null;
    await makeFifos([netrcPath, cookiesIn, cookiesOut, urlList].filter((p): p is string => p !== null));
    let caPath: string | null = null;
    if (caCertificate) {
      // Public: the certificate a test upstream presents.
      caPath = path.join(dir, "ca.pem");
      await writeFile(caPath, caCertificate, { mode: 0o600, flag: "wx" });
    }
    const collector = cookiesOut ? await collectFifo(cookiesOut) : null;

    const fullArgs = [
      "--no-config",
      "--server-response",
      "--no-hsts",
      ...(caPath ? [`--ca-certificate=${caPath}`] : []),
      ...(cookiesIn && cookiesOut ? [`--load-cookies=${cookiesIn}`, `--save-cookies=${cookiesOut}`, "--keep-session-cookies"] : []),
      ...(urlList ? [`--input-file=${urlList}`] : []),
      ...args,
    ];
    const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, LC_ALL: "C" };
    for (const name of ["http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"]) {
      const value = process.env[name];
      if (value) env[name] = value;
    }
    const guard = await parentDeathGuard();
    const child = spawn(guard ? guard[0]! : wget.path, guard ? [...guard.slice(1), wget.path, ...fullArgs] : fullArgs, { env: env as NodeJS.ProcessEnv, cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    const exited = new Promise<void>((resolve) => child.once("close", () => resolve()).once("error", () => resolve()));
    const feeding = Promise.all([
      netrcPath && netrc ? feedFifo(netrcPath, netrc, exited) : null,
      cookiesIn ? feedFifo(cookiesIn, cookies || "# Netscape HTTP Cookie File\n", exited) : null,
      urlList && urls ? feedFifo(urlList, urls.map((u) => `${u}\n`).join(""), exited) : null,
    ]);
    if (child.pid !== undefined) onSpawn?.({ pid: child.pid, args: [wget.path, ...fullArgs], env, dir, netrcPath });
    child.stderr.setEncoding("utf8");
    if (onStderr) child.stderr.on("data", onStderr);

    const exit = await awaitExit({ child, timeoutMs, signal });
    await feeding;
    const saved = collector ? await collector.finish() : null;
    // A jar cut short (wget killed while saving) is not worth more than the one we had.
    const jar = saved !== null && /^# HTTP Cookie File/.test(saved) ? saved : null;
    return { ...exit, cookies: jar };
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
    await slot.release();
  }
}

/**
 * The credentials go only to the hosts of the URLs spawnWget sees (`args` and `urls`). A list wget
 * reads from a file of the caller's (`-i file`) is invisible here, so such a run would get an empty
 * .netrc and fail with PhysioNet's 401 (wget exit 6) — silently, however many ran at once. Refuse it
 * up front: the caller passes the list as `urls`.
 */
function assertCredentialHosts(args: string[], hosts: string[]): void {
  if (args.some((a) => a === "-i" || /^(-i.|--input-file(=|$))/.test(a))) {
    throw new Error("spawnWget: with credentials, pass the URL list as `urls`, not as an --input-file of your own (its hosts would get no credentials)");
  }
  if (hosts.length === 0) throw new Error("spawnWget: credentials were given but no http(s) URL, so no host could receive them");
}

/** Hostnames (as wget compares them: lower case, IPv6 without brackets) of every URL among `values`. */
function hostsOf(values: string[]): string[] {
  const hosts = new Set<string>();
  for (const value of values) {
    if (!/^https?:\/\//i.test(value)) continue;
    hosts.add(new URL(value).hostname.replace(/^\[(.*)\]$/, "$1"));
  }
  return [...hosts];
}

let guardChecked: Promise<string[] | null> | undefined;
/**
 * `setpriv --pdeathsig KILL --` (util-linux, Linux): the kernel kills wget when its parent dies.
 * Null where it does not work; wget then dies of SIGPIPE at its next line of output.
 */
function parentDeathGuard(): Promise<string[] | null> {
  guardChecked ??= new Promise((resolve) => {
    const command = ["/usr/bin/setpriv", "--pdeathsig", "KILL", "--"];
    execFile(command[0]!, [...command.slice(1), "/bin/true"], { timeout: 5_000 }, (error) => resolve(error ? null : command));
  });
  return guardChecked;
}
