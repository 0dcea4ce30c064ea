import { randomBytes } from "node:crypto";

export const SESSION_COOKIE = "sessionid";
// Set on every 401 so the next request shows whether the client keeps cookies (physionet-build does
// the same: it only creates a session for clients that send cookies back).
export const TEST_COOKIE = "testcookie";

type Session = { username: string; fingerprint: string };

export type SessionStore = {
  create(session: Session): string;
  get(id: string): Session | undefined;
};

export function createSessionStore(): SessionStore {
  const sessions = new Map<string, Session>();
  return {
    create(session) {
      const id = randomBytes(16).toString("hex");
      sessions.set(id, session);
      return id;
    },
    get(id) {
      return sessions.get(id);
    },
  };
}

export function parseCookies({ header }: { header: string | undefined }): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (name && !cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}

export function serializeCookie({ name, value, secure, maxAgeSeconds }: { name: string; value: string; secure: boolean; maxAgeSeconds?: number }): string {
  const parts = [`${name}=${value}`, "Path=/", "HttpOnly", "SameSite=Lax"];
  if (maxAgeSeconds !== undefined) parts.push(`Max-Age=${maxAgeSeconds}`);
  if (secure) parts.push("Secure");
  return parts.join("; ");
}
