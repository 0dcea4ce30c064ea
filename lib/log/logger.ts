import pino, { type DestinationStream, type Logger } from "pino";
import { scrub } from "./scrub";

/**
 * The one logger of every labgate process: one JSON object per line on stdout (time, level,
 * service, msg, then fields), so an operator's collector reads it without parsing prose.
 * Secrets never belong in a log line; the redact list is the second line of defence for a field
 * someone adds by mistake, and scrub() the same for text that came from elsewhere (error messages).
 */
export const REDACTED_KEYS = ["password", "token", "secret", "authorization", "cookie", "cookies", "netrc", "accessKeyId", "secretAccessKey", "apiKey", "otp"];

const redactPaths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

export function createLogger(opts: { service: string; destination?: DestinationStream; level?: string }): Logger {
  return pino(
    {
      level: opts.level ?? process.env.LABGATE_LOG_LEVEL ?? "info",
      base: { service: opts.service },
      messageKey: "msg",
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactPaths, censor: "[redacted]" },
      hooks: {
        // Strings that reach the logger from elsewhere (a driver's error text) go through scrub().
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === "string" ? scrub(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    opts.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

const LOGGER = Symbol.for("labgate.logger");

/** This process's logger; its service name comes from LABGATE_LOG_SERVICE (npm start sets "web" and "worker"). */
export function log(): Logger {
  const g = globalThis as Record<symbol, Logger | undefined>;
  g[LOGGER] ??= createLogger({ service: process.env.LABGATE_LOG_SERVICE ?? "labgate" });
  return g[LOGGER];
}

/** An error as log fields: its first line (scrubbed), its name and code, never a stack or a request body. */
// `whole` keeps every line of the message (not the stack) for failures an operator must act on, such
// as a start-up refused for its configuration, whose lines name each setting at fault.
export function errorFields(e: unknown, opts: { whole?: boolean } = {}): { err: string; errName?: string; errCode?: string } {
  const text = (m: string) => scrub((opts.whole ? m : m.split("\n")[0]!).slice(0, opts.whole ? 4000 : 500));
  if (!(e instanceof Error)) return { err: text(String(e)) };
  const cause = e.cause instanceof Error ? ` (${e.cause.message.split("\n")[0]})` : "";
  const code = (e as { code?: unknown }).code;
  return { err: text(`${e.message}${cause}`), errName: e.name, ...(typeof code === "string" ? { errCode: code } : {}) };
}

/** Replaces this process's logger (tests route it through their console guard). */
export function setLogger(logger: Logger): void {
  (globalThis as Record<symbol, Logger | undefined>)[LOGGER] = logger;
}
