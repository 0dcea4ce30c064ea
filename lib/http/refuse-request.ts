import "server-only";
import { getToken } from "next-auth/jwt";
import { NextResponse, type NextRequest } from "next/server";
import { recordAudit } from "@/lib/audit/record";
import { authOptions } from "@/lib/auth/options";
import { getDb } from "@/lib/db/client";
import { findSessionUser } from "@/lib/auth/sessions";
import { isStorableText, unstorableSearchParam } from "@/lib/validation";
import { clientIp } from "./client-ip";
import { errorFields, log } from "@/lib/log/logger";

// Requests no route can answer: a path with an invalid percent-escape makes Next's own router throw
// (a bare 500 before any page or handler runs), and a NUL in the path or query reaches PostgreSQL
// as text it refuses (a 500, or a CSV export that never ends). proxy.ts turns them away first with
// a 400, and each refusal is audited: probing is something a lab wants to see.

/** Why this request cannot be served, or null when it is well-formed. */
export function malformedRequest(req: NextRequest): string | null {
  const path = new URL(req.url).pathname;
  if (path.includes("%")) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return "invalid percent-escape in the path";
    }
    if (!isStorableText(decoded)) return "NUL character in the path";
  }
  if (req.nextUrl.search && unstorableSearchParam(req.nextUrl.searchParams) !== null) return "NUL character or unpaired surrogate in the query";
  return null;
}

const DATASET_PATH = /^\/(?:api\/)?(?:datasets|downloads\/files)\/([^/]+)\/([^/]+)/;

function readable(segment: string): string {
  try {
    const s = decodeURIComponent(segment);
    return isStorableText(s) ? s : segment;
  } catch {
    return segment;
  }
}

async function requestUser(req: NextRequest) {
  const options = authOptions();
  const token = await getToken({ req, secret: options.secret ?? process.env.NEXTAUTH_SECRET, cookieName: options.cookies?.sessionToken?.name });
  if (typeof token?.uid !== "string" || typeof token.sid !== "string") return null;
  return findSessionUser({ userId: token.uid, sessionId: token.sid });
}

export async function refuseMalformedRequest(req: NextRequest, reason: string): Promise<NextResponse> {
  const url = new URL(req.url);
  // Still percent-encoded, so plain ASCII: storable whatever the client sent.
  const raw = `${url.pathname}${url.search}`.slice(0, 500);
  const ds = DATASET_PATH.exec(url.pathname);
  try {
    const user = await requestUser(req).catch(() => null);
    await recordAudit(getDb(), {
      action: "request.refused",
      outcome: "denied",
      labId: user?.labId ?? null,
      actor: user,
      ip: clientIp(req.headers),
      target: { type: "request_path", id: raw },
      details: { method: req.method, reason, ...(ds ? { dataset: `${readable(ds[1]!)}/${readable(ds[2]!)}` } : {}) },
    });
  } catch (e) {
    log().error(errorFields(e), "could not audit a refused request");
  }
  const message = `Bad request: ${reason}.`;
  const headers = { "cache-control": "no-store, private" };
  return url.pathname.startsWith("/api/") ? NextResponse.json({ error: message }, { status: 400, headers }) : new NextResponse(message, { status: 400, headers: { ...headers, "content-type": "text/plain; charset=utf-8" } });
}
