/**
 * Where to go after sign-in: the raw callbackUrl resolved against the app's own URL by the WHATWG
 * parser (the one browsers use), kept only when the result is on the app's origin, and returned
 * absolute. Prefix checks on the raw string are not enough: a browser reads `/\evil.test` and
 * `/\t/evil.test` as `//evil.test`, and a relative path like `/.//evil.test` normalises to one.
 */
export function safeCallbackUrl(raw: unknown, appUrl: string): string {
  const app = new URL(appUrl);
  const fallback = new URL("/", app).href;
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 2000) return fallback;
  let url: URL;
  try {
    url = new URL(raw, app);
  } catch {
    return fallback;
  }
  if (url.origin !== app.origin || url.username || url.password) return fallback;
  return url.href;
}
