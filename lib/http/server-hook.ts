import http from "node:http";
import https from "node:https";

type Emitter = { emit: (event: string | symbol, ...args: unknown[]) => boolean };

/**
 * Runs `hook` with the arguments of every `events` event of every Node HTTP(S) server in this
 * process, before the server's own listeners (Next's) see them. Next creates its server itself, so
 * instrumentation.ts can only reach it through the prototypes; `installed` makes a second call a
 * no-op (instrumentation and a test may both install).
 */
export function hookServerEvents(installed: symbol, events: ReadonlySet<string>, hook: (args: unknown[]) => void): void {
  const g = globalThis as Record<symbol, unknown>;
  if (g[installed]) return;
  for (const proto of [http.Server.prototype, https.Server.prototype] as Emitter[]) {
    const emit = proto.emit;
    proto.emit = function (this: unknown, event: string | symbol, ...args: unknown[]) {
      if (typeof event === "string" && events.has(event)) hook(args);
      return emit.call(this, event, ...args);
    };
  }
  g[installed] = true;
}
