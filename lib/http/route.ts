import "server-only";
import { unstable_rethrow } from "next/navigation";
import { NextResponse, type NextRequest } from "next/server";
import type { z } from "zod";
import { requireRole, requireUser, type CurrentUser } from "@/lib/auth/current-user";
import { requireDatasetAccess } from "@/lib/auth/dataset-access";
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
};

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

/**
 * Every route handler is built with this: it runs the auth chokepoint first, then (for mutations)
 * the same-origin check, then zod validation of the JSON body, and turns errors into clear JSON.
 */
export function route<A extends Access, S extends z.ZodType | undefined = undefined, P = Record<string, string>>(
  opts: { access: A; body?: S },
  handler: (args: HandlerArgs<S extends z.ZodType ? z.infer<S> : undefined, P, A>) => Promise<Response | unknown>,
) {
  return async (req: NextRequest, ctx: Ctx<P>): Promise<Response> => {
    try {
      const params = ctx?.params ? await ctx.params : ({} as P);
      let dataset: DatasetRef | null = null;
      let user: CurrentUser | null = null;
      if (opts.access === "dataset") {
        const ref = params as { slug?: string; version?: string };
        ({ user, dataset } = await requireDatasetAccess({ slug: ref.slug ?? "", version: ref.version ?? "" }));
      } else if (opts.access !== "public") {
        user = opts.access === "member" ? await requireUser() : await requireRole(opts.access);
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
      const result = await handler({ req, user: user as never, body: body as never, params, ip: clientIp(req.headers), dataset: dataset as never });
      return result instanceof Response ? result : NextResponse.json(result ?? { ok: true });
    } catch (e) {
      unstable_rethrow(e);
      return errorResponse(e, req);
    }
  };
}
