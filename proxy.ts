import { NextResponse, type NextRequest } from "next/server";
import { malformedRequest, refuseMalformedRequest } from "@/lib/http/refuse-request";

// Image bytes and thumbnails: every answer, refusals included, must stay out of every cache. The
// route handlers set this on what they send; 401/403/404 answers raised by the auth chokepoint
// (unauthorized(), forbidden(), notFound()) are rendered by Next and would otherwise carry none.
const IMAGE_ROUTES = /^\/api\/datasets\/[^/]+\/[^/]+\/(images|thumbnails)\//;

// HSTS whenever the app is served over HTTPS. Read when the server starts, not at build time as
// next.config.ts headers() are: a build made over http and started with an https NEXTAUTH_URL
// still sends it.
const HSTS = process.env.NEXTAUTH_URL?.startsWith("https:") ? "max-age=63072000; includeSubDomains" : null;

// Sets a per-request nonce CSP. This is not an access guard: every page and route handler calls
// the auth chokepoint itself. It does turn away malformed requests (lib/http/refuse-request.ts):
// it runs before Next's router, which answers an invalid percent-escape with a bare 500.
export async function proxy(request: NextRequest) {
  const malformed = malformedRequest(request);
  if (malformed) return refuseMalformedRequest(request, malformed);
  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const dev = process.env.NODE_ENV === "development";
  const csp = [
    "default-src 'self'",
    // 'wasm-unsafe-eval' lets the viewer compile its WASM codecs (JPEG-LS, JPEG 2000); unlike
    // 'unsafe-eval' it allows no JavaScript eval. Next's dev server needs eval itself.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic' 'wasm-unsafe-eval'${dev ? " 'unsafe-eval'" : ""}`,
    // React sets style attributes; inline styles cannot run code, so they are allowed.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  // The 403 page names the step missing for the dataset version in this path (always overwritten here).
  requestHeaders.set("x-labgate-path", request.nextUrl.pathname);
  requestHeaders.set("Content-Security-Policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", csp);
  if (HSTS) response.headers.set("Strict-Transport-Security", HSTS);
  if (IMAGE_ROUTES.test(request.nextUrl.pathname)) {
    response.headers.set("Cache-Control", "no-store, private");
    response.headers.set("Pragma", "no-cache");
  }
  return response;
}

export const config = {
  matcher: [{ source: "/((?!_next/static|_next/image|favicon.ico).*)" }],
};
