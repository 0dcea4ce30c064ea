import { createHash, timingSafeEqual } from "node:crypto";

// PhysioNet (physionet-build `http_auth_allowed`) honours HTTP auth only from these non-interactive
// clients, so that browsers never get a Basic prompt; everything else must log in with a session.
const HTTP_AUTH_USER_AGENT = /^(Wget\/|libwfdb\/)/;

export const PHYSIONET_CHALLENGE = 'Basic realm="PhysioNet", charset="UTF-8"';

export function isHttpAuthAllowed({
  method,
  userAgent,
  secure,
  allowAuthOverHttp,
}: {
  method: string;
  userAgent: string | undefined;
  secure: boolean;
  allowAuthOverHttp: boolean;
}): boolean {
  if (method !== "GET" && method !== "HEAD") return false;
  // Production PhysioNet refuses Basic auth over plain HTTP; its DEBUG mode (our default over http) allows it.
  if (!secure && !allowAuthOverHttp) return false;
  return HTTP_AUTH_USER_AGENT.test(userAgent ?? "");
}

export type BasicCredentials = { username: string; password: string };

export function parseBasicAuthorization({ header }: { header: string | undefined }): BasicCredentials | null {
  if (!header) return null;
  const tokens = header.trim().split(/\s+/);
  if (tokens.length !== 2 || tokens[0]?.toLowerCase() !== "basic" || !tokens[1]) return null;
  const encoded = tokens[1];
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return null;
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

// Compare digests, not the strings, so the comparison takes the same time whatever the lengths.
export function passwordMatches({ given, expected }: { given: string; expected: string }): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

// What a session remembers instead of the password: a session dies when the password changes,
// like Django's session auth hash.
export function passwordFingerprint({ password }: { password: string }): string {
  return createHash("sha256").update("labgate-upstream-session:").update(password).digest("hex");
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
