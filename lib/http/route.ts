import "server-only";
import { unstable_rethrow } from "next/navigation";
import { NextResponse, type NextRequest } from "next/server";
import type { z } from "zod";
import { requireRole, type CurrentUser } from "@/lib/auth/current-user";
import { requireDatasetAccess } from "@/lib/auth/dataset-access";
import { requireCaller, type CallerToken } from "@/lib/auth/request-caller";
import type { Access } from "@/lib/auth/route-registry";
import type { DatasetRef } from "@/lib/datasets/find-dataset";
import { errorFields, log } from "@/lib/log/logger";
import { REQUEST_ID_HEADER } from "@/lib/log/request-log";
import { fieldErrors } from "@/lib/validation";
import { clientIp } from "./client-ip";
import { AppError, isAppError } from "./errors";
import { assertSameOrigin } from "./same-origin";

type Ctx<P> = { params: Promise<P> };
type HandlerArgs<B, P, A extends Access> = {
  req: NextRequest;
  user: A extends "public" ? null : CurrentUser;
  body: B;
  params: P;
  ip: string | null;
  dataset: A extends "dataset" ? DatasetRef : null;
  // The access token the request came with (only on routes declared `tokens: true`), for audit rows.
  token: CallerToken | null;
};

// Tokens read as a member: never on steward/admin routes (decision 028).
type TokenAccess = "member" | "dataset";

export function errorResponse(e: unknown, req?: Request): NextResponse {
  if (isAppError(e)) {
    const headers = e.retryAfterSeconds !== undefined ? { "Retry-After": String(e.retryAfterSeconds) } : undefined;
    return NextResponse.json({ error: e.message, fieldErrors: e.fieldErrors }, { status: e.status, headers });
  }
  // One line for the operator, under the request's id; the client learns nothing about the
  // failure's internals, only the id to quote when they report it.
  const reqId = req?.headers.get(REQUEST_ID_HEADER) ?? undefined;
  log().error({ reqId, ...errorFields(e) }, "unhandled error in route handler");
  return NextResponse.json({ error: "Something went wrong on our side. Please try again.", ...(reqId ? { requestId: reqId } : {}) }, { status: 500 });
}

const FALLBACK_MESSAGES: Record<number, string> = {
  401: "Sign in, or send an access token as \"Authorization: Bearer <token>\"",
  403: "You do not hold access to this dataset version (or your token is not valid for it)",
  404: "Not found",
};

/** The status of Next's unauthorized() / forbidden() / notFound() interrupts, or null. */
function httpFallbackStatus(e: unknown): number | null {
  const digest = typeof e === "object" && e !== null ? (e as { digest?: unknown }).digest : undefined;
  if (typeof digest !== "string") return null;
  if (digest === "NEXT_NOT_FOUND") return 404;
  const m = /^NEXT_HTTP_ERROR_FALLBACK;(\d{3})$/.exec(digest);
  return m ? Number(m[1]) : null;
}

/**
 * Every route handler is built with this: it runs the auth chokepoint first, then (for mutations)
 * the same-origin check, then zod validation of the JSON body, and turns errors into clear JSON.
 */
export function route<A extends Access, S extends z.ZodType | undefined = undefined, P = Record<string, string>>(
  opts: { access: A; body?: S; tokens?: A extends TokenAccess ? boolean : never },
  handler: (args: HandlerArgs<S extends z.ZodType ? z.infer<S> : undefined, P, A>) => Promise<Response | unknown>,
) {
  return async (req: NextRequest, ctx: Ctx<P>): Promise<Response> => {
    try {
      const params = ctx?.params ? await ctx.params : ({} as P);
      let dataset: DatasetRef | null = null;
      let user: CurrentUser | null = null;
      let token: CallerToken | null = null;
      if (opts.access !== "public") {
        // A bearer token is resolved (or refused) here, before any role or dataset check.
        const caller = await requireCaller({ headers: req.headers, method: req.method, tokens: opts.tokens === true && (opts.access === "member" || opts.access === "dataset"), ip: clientIp(req.headers) });
        token = caller.token;
        if (opts.access === "dataset") {
          const ref = params as { slug?: string; version?: string };
          ({ user, dataset } = await requireDatasetAccess({ slug: ref.slug ?? "", version: ref.version ?? "" }, { caller }));
        } else {
          user = opts.access === "member" ? caller.user : await requireRole(opts.access);
        }
      }
      if (req.method !== "GET" && req.method !== "HEAD") assertSameOrigin(req);
      let body: unknown = undefined;
      if (opts.body) {
        const raw: unknown = await req.json().catch(() => {
          throw new AppError("bad_request", "The request body must be JSON");
        });
        if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new AppError("bad_request", "The request body must be a JSON object");
        const parsed = opts.body.safeParse(raw);
        if (!parsed.success) throw new AppError("bad_request", parsed.error.issues[0]?.message ?? "Invalid input", fieldErrors(parsed.error));
        body = parsed.data;
      }
      const result = await handler({ req, user: user as never, body: body as never, params, ip: clientIp(req.headers), dataset: dataset as never, token });
      return result instanceof Response ? result : NextResponse.json(result ?? { ok: true });
    } catch (e) {
      // Scripts get JSON for the chokepoint's 401/403/404 too, not the HTML page a browser is shown.
      const fallback = opts.tokens ? httpFallbackStatus(e) : null;
      if (fallback) return NextResponse.json({ error: FALLBACK_MESSAGES[fallback] ?? "Refused" }, { status: fallback, headers: { "cache-control": "no-store, private" } });
      unstable_rethrow(e);
      return errorResponse(e, req);
    }
  };
}
