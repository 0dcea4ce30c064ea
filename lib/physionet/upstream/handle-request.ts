import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { hasAccess, type UpstreamAccount } from "./accounts";
import { authenticate } from "./authenticate";
import type { FaultKind, FaultPlan } from "./faults";
import { PHYSIONET_CHALLENGE } from "./http-auth";
import { resolveTarget, type UpstreamProject } from "./resolve-target";
import { servePath } from "./serve-path";
import { serializeCookie, TEST_COOKIE, type SessionStore } from "./sessions";
import { sendStatusPage } from "./status-page";
import type { UpstreamStats } from "./stats";
import type { Throttle } from "./throttle";

export type HandlerContext = {
  projects: UpstreamProject[];
  accounts: ReadonlyMap<string, UpstreamAccount>;
  sessions: SessionStore;
  secure: boolean;
  allowAuthOverHttp: boolean;
  firstByteDelayMs: number;
  faultPlan: FaultPlan;
  throttleFor: (socket: object) => Throttle | null;
  sliceBytes: number;
  stats: UpstreamStats;
  /** Authorised file requests on more open connections than this get 429 (see start-upstream.ts). */
  busyAboveConnections?: number;
  log?: (line: string) => void;
};

/**
 * PhysioNet's order of decisions (physionet-build `serve_published_project_file`): unknown project →
 * 404; authorised → the file, listing or 404; otherwise 401 with a Basic challenge when this client
 * may use HTTP auth and is not logged in, else 403 (non-wget clients, or no access to this version).
 */
export async function handleRequest({ req, res, ctx }: { req: IncomingMessage; res: ServerResponse; ctx: HandlerContext }): Promise<void> {
  const started = performance.now();
  let username: string | null = null;
  let fault: FaultKind | null = null;
  ctx.stats.requests += 1;
  res.once("close", () => {
    ctx.stats.statuses[res.statusCode] = (ctx.stats.statuses[res.statusCode] ?? 0) + 1;
    if (!ctx.log) return;
    // Never the Authorization or Cookie headers: only what a reviewer needs to follow a transfer.
    const ms = Math.round(performance.now() - started);
    const ua = JSON.stringify(req.headers["user-agent"] ?? "");
    ctx.log(`${req.method} ${req.url} ${res.statusCode} ${ms}ms ua=${ua} user=${username ?? "-"}${req.headers.range ? ` range=${req.headers.range}` : ""}${fault ? ` fault=${fault}` : ""}`);
  });

  if (ctx.firstByteDelayMs > 0) await sleep(ctx.firstByteDelayMs);
  res.setHeader("Server", "nginx");
  if (req.method !== "GET" && req.method !== "HEAD") return sendStatusPage({ res, status: 405, headers: { Allow: "GET, HEAD" } });

  const target = resolveTarget({ url: req.url ?? "/", projects: ctx.projects });
  if (!target) return sendStatusPage({ res, status: 404 });

  const auth = authenticate({
    req,
    secure: ctx.secure,
    allowAuthOverHttp: ctx.allowAuthOverHttp,
    accounts: ctx.accounts,
    sessions: ctx.sessions,
    onPasswordCheck: () => (ctx.stats.passwordChecks += 1),
  });
  username = auth.account?.username ?? null;
  if (auth.via === "session") ctx.stats.sessionLogins += 1;
  if (auth.setCookie) res.setHeader("Set-Cookie", auth.setCookie);

  if (target.project.open || (auth.account && hasAccess({ account: auth.account, slug: target.project.slug, version: target.project.version }))) {
    if (ctx.busyAboveConnections && ctx.stats.connections.open > ctx.busyAboveConnections) {
      return sendStatusPage({ res, status: 429, headers: { "Retry-After": "1" } });
    }
    return servePath({
      req,
      res,
      target,
      ctx: {
        throttle: ctx.throttleFor(req.socket),
        sliceBytes: ctx.sliceBytes,
        faultPlan: ctx.faultPlan,
        stats: ctx.stats,
        noteFault: (kind) => (fault = kind),
      },
    });
  }
  if (auth.httpAuthAllowed && !auth.account) {
    return sendStatusPage({
      res,
      status: 401,
      headers: {
        "WWW-Authenticate": PHYSIONET_CHALLENGE,
        "Set-Cookie": serializeCookie({ name: TEST_COOKIE, value: "1", secure: ctx.secure }),
      },
    });
  }
  return sendStatusPage({ res, status: 403 });
}
