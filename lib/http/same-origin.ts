import type { NextRequest } from "next/server";
import { AppError } from "./errors";

/**
 * CSRF defence for mutating requests, on top of SameSite cookies: a browser always sends
 * Sec-Fetch-Site and Origin on a cross-site POST, so either one naming another site is refused.
 * Clients that send neither (curl, scripts) are not browsers and cannot carry a victim's cookie.
 */
export function assertSameOrigin(req: NextRequest): void {
  const site = req.headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") {
    throw new AppError("forbidden", "Cross-site requests are not allowed");
  }
  const origin = req.headers.get("origin");
  if (origin) {
    const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host");
    let originHost: string | null = null;
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = null;
    }
    if (!host || originHost !== host) throw new AppError("forbidden", "Cross-site requests are not allowed");
  }
}
