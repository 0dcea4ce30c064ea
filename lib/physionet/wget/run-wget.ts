import { spawn } from "node:child_process";
import { awaitExit } from "./await-exit";
import { findWget } from "./find-wget";
import { withPrivateWgetrc, type WgetCredentials } from "./private-wgetrc";
import { parseServerResponses, type ServerResponse } from "./server-response";

export type WgetRun = {
  exitCode: number | null;
  timedOut: boolean;
  aborted: boolean;
  /** Every response head wget printed (--server-response), in order; the last one decided. */
  responses: ServerResponse[];
  /** wget's own lines (not response headers), with the password blanked out should it ever appear. */
  messages: string[];
};

export type WgetSpawnInfo = { pid: number; args: readonly string[]; env: Readonly<Record<string, string>>; wgetrcPath: string };

// wget's documented exit statuses, for messages.
export const WGET_EXIT: Record<number, string> = {
  1: "generic error",
  2: "command-line or wgetrc parse error",
  3: "file I/O error",
  4: "network failure",
  5: "TLS certificate verification failure",
  6: "username/password authentication failure",
  7: "protocol error",
  8: "the server answered with an error",
};

/**
 * Runs GNU wget without a shell. Credentials reach it only through a private wgetrc (--config), so
 * they are in neither argv nor the environment, both of which other local users can read in /proc.
 * wget's HOME is the same private directory so that no ~/.wgetrc, ~/.netrc or HSTS file takes part.
 */
export async function runWget({
  args,
  credentials,
  caCertificate = null,
  timeoutMs,
  signal,
  onStderr,
  onSpawn,
}: {
  args: string[];
  credentials: WgetCredentials | null;
  caCertificate?: string | null;
  timeoutMs: number;
  signal?: AbortSignal;
  onStderr?: (text: string) => void;
  /** For tests and diagnostics: what the process was started with (never contains the password). */
  onSpawn?: (info: WgetSpawnInfo) => void;
}): Promise<WgetRun> {
  const wget = await findWget();
  return withPrivateWgetrc({ credentials, caCertificate }, async ({ dir, wgetrcPath, caCertificatePath }) => {
    const fullArgs = [`--config=${wgetrcPath}`, "--server-response", "--no-hsts", ...(caCertificatePath ? [`--ca-certificate=${caCertificatePath}`] : []), ...args];
    const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, LC_ALL: "C" };
    for (const name of ["http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"]) {
      const value = process.env[name];
      if (value) env[name] = value;
    }
    const child = spawn(wget.path, fullArgs, { env: env as NodeJS.ProcessEnv, cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    if (child.pid !== undefined) onSpawn?.({ pid: child.pid, args: [wget.path, ...fullArgs], env, wgetrcPath });

    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text: string) => {
      stderr += text;
      onStderr?.(text);
    });

    const { exitCode, timedOut, aborted } = await awaitExit({ child, timeoutMs, signal });

    const lines = stderr.split(/\r?\n|\r/);
    const secret = credentials?.password ?? "";
    const messages = lines
      .filter((line) => line.trim() !== "" && !line.startsWith("  "))
      .map((line) => (secret ? line.split(secret).join("[redacted]") : line));
    return { exitCode, timedOut, aborted, responses: parseServerResponses({ lines }), messages };
  });
}

/** The status of the response that decided the run, or null if no server answered. */
export function finalStatus({ run }: { run: WgetRun }): number | null {
  return run.responses.at(-1)?.status ?? null;
}

/** A short human explanation of a run that did not get an HTTP answer (network, TLS, timeout). */
export function describeFailure({ run, timeoutMs }: { run: WgetRun; timeoutMs: number }): string {
  if (run.timedOut) return `no complete answer within ${Math.round(timeoutMs / 1000)} s`;
  if (run.aborted) return "cancelled";
  // wget's last error-looking line says what went wrong ("Connection refused.", "Unable to establish SSL connection.").
  const reason = [...run.messages].reverse().find((line) => /(error|fail|refused|unable|reset|closed|timed out|giving up|not resolve|unknown)/i.test(line));
  const exit = run.exitCode === null ? "wget could not be started" : `wget exit ${run.exitCode} (${WGET_EXIT[run.exitCode] ?? "unknown"})`;
  return reason ? `${exit}: ${reason.trim()}` : exit;
}
