import type { WgetCredentials } from "./credentials";
import { parseServerResponses, type ServerResponse } from "./server-response";
import { spawnWget, type WgetSpawnInfo } from "./spawn-wget";
import type { WgetPurpose } from "./wget-slots";

export type { WgetSpawnInfo };

export type WgetRun = {
  exitCode: number | null;
  timedOut: boolean;
  aborted: boolean;
  /** Every response head wget printed (--server-response), in order; the last one decided. */
  responses: ServerResponse[];
  /** wget's own lines (not response headers), with the password blanked out should it ever appear. */
  messages: string[];
};

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
 * Runs GNU wget once (through ./spawn-wget.ts: a slot of the cap, a private folder, credentials
 * through a FIFO, dies with its parent) and collects what it printed.
 */
export async function runWget({
  args,
  urls,
  credentials,
  caCertificate = null,
  purpose = "background",
  timeoutMs,
  signal,
  onStderr,
  onSpawn,
}: {
  args: string[];
  /** URLs wget reads as its --input-file (through a FIFO): the way to give a list with credentials. */
  urls?: string[];
  credentials: WgetCredentials | null;
  caCertificate?: string | null;
  /** "interactive" (Verify) may be refused with WgetBusyError; "background" waits for a slot. */
  purpose?: WgetPurpose;
  timeoutMs: number;
  signal?: AbortSignal;
  onStderr?: (text: string) => void;
  /** For tests and diagnostics: what the process was started with (never contains the password). */
  onSpawn?: (info: WgetSpawnInfo) => void;
}): Promise<WgetRun> {
  let stderr = "";
  const { exitCode, timedOut, aborted } = await spawnWget({
    args,
    urls,
    credentials,
    caCertificate,
    purpose,
    timeoutMs,
    signal,
    onSpawn,
    onStderr: (text) => {
      stderr += text;
      onStderr?.(text);
    },
  });
  const lines = stderr.split(/\r?\n|\r/);
  const secret = credentials?.password ?? "";
  const messages = lines
    .filter((line) => line.trim() !== "" && !line.startsWith("  "))
    .map((line) => (secret ? line.split(secret).join("[redacted]") : line));
  return { exitCode, timedOut, aborted, responses: parseServerResponses({ lines }), messages };
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
