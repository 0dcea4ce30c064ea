import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { hookServerEvents } from "@/lib/http/server-hook";
import { log } from "./logger";
import { routePattern } from "./route-pattern";

export const REQUEST_ID_HEADER = "x-request-id";
const INSTALLED = Symbol.for("labgate.request-log");
const REQUEST_EVENT = new Set(["request"]);
const CONTEXT = Symbol.for("labgate.request-context");

type RequestContext = { userId?: string; via?: string };

// What application code learns about a request while it runs (who it was, after the auth
// chokepoint), keyed by request id: Next hands route handlers and pages its own request objects,
// not Node's, so the id in the header is the only thing both ends share. Same process, so a Map.
function contexts(): Map<string, RequestContext> {
  const g = globalThis as Record<symbol, Map<string, RequestContext> | undefined>;
  g[CONTEXT] ??= new Map();
  return g[CONTEXT];
}

/** Called by the auth chokepoint once it knows the person; their id goes into the request's log line. */
export function noteRequestUser(requestId: string | null | undefined, userId: string, via?: string): void {
  if (!requestId) return;
  const ctx = contexts().get(requestId);
  if (ctx) Object.assign(ctx, { userId, ...(via ? { via } : {}) });
}

// A request id a client or proxy sent is kept beside ours only when it looks like an id; ours is
// always the one that names the request, so nobody outside can make two requests share one.
const FORWARDED_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * One JSON line per request when its response ends (or the client goes away): id, method, the
 * route it reached (not its path), status, duration, and the signed-in user's id when there was one.
 * The id goes back to the client as X-Request-Id, so a person reporting an error can quote it.
 * Installed on the server prototypes from instrumentation.ts, as the peer stamp is, because Next
 * creates its HTTP server itself.
 */
export function installRequestLog(logger: () => Logger = log): void {
  hookServerEvents(INSTALLED, REQUEST_EVENT, (args) => track(args[0] as IncomingMessage, args[1] as ServerResponse, logger));
}

function track(req: IncomingMessage, res: ServerResponse, logger: () => Logger): void {
  const started = process.hrtime.bigint();
  const id = randomUUID();
  const sent = req.headers[REQUEST_ID_HEADER];
  const forwarded = typeof sent === "string" && FORWARDED_ID.test(sent) ? sent : undefined;
  req.headers[REQUEST_ID_HEADER] = id;
  res.setHeader("X-Request-Id", id);
  const ctx: RequestContext = {};
  contexts().set(id, ctx);
  res.once("close", () => {
    contexts().delete(id);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const pathname = (req.url ?? "/").split("?")[0]!;
    const line = {
      reqId: id,
      ...(forwarded ? { forwardedReqId: forwarded } : {}),
      method: req.method,
      route: routePattern(pathname),
      status: res.statusCode,
      ms: Math.round(ms * 10) / 10,
      ...(ctx.userId ? { userId: ctx.userId } : {}),
      ...(ctx.via ? { via: ctx.via } : {}),
      ...(res.writableFinished ? {} : { aborted: true }),
    };
    const l = logger();
    if (res.statusCode >= 500) l.error(line, "request");
    else l.info(line, "request");
  });
}
