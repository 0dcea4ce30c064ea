import type { IncomingMessage } from "node:http";
import type { UpstreamAccount } from "./accounts";
import { isHttpAuthAllowed, parseBasicAuthorization, passwordFingerprint, passwordMatches } from "./http-auth";
import { parseCookies, serializeCookie, SESSION_COOKIE, type SessionStore } from "./sessions";

export type Authentication = {
  account: UpstreamAccount | null;
  /** Whether this request may use HTTP auth at all (decides 401 versus 403 when it fails). */
  httpAuthAllowed: boolean;
  via: "password" | "session" | null;
  setCookie: string | null;
};

const SESSION_MAX_AGE_SECONDS = 14 * 24 * 3600; // Django's default session age

/**
 * physionet-build's `check_http_auth`: an Authorization header is ignored unless HTTP auth is allowed
 * for this request. A session from an earlier successful Basic login skips the password check, but is
 * only honoured alongside an Authorization header, so it cannot be replayed by a browser. A session
 * is only created for clients that already send cookies back (the testcookie of the 401).
 */
export function authenticate({
  req,
  secure,
  allowAuthOverHttp,
  accounts,
  sessions,
  onPasswordCheck,
}: {
  req: IncomingMessage;
  secure: boolean;
  allowAuthOverHttp: boolean;
  accounts: ReadonlyMap<string, UpstreamAccount>;
  sessions: SessionStore;
  onPasswordCheck: () => void;
}): Authentication {
  const httpAuthAllowed = isHttpAuthAllowed({ method: req.method ?? "", userAgent: req.headers["user-agent"], secure, allowAuthOverHttp });
  const none: Authentication = { account: null, httpAuthAllowed, via: null, setCookie: null };
  if (!httpAuthAllowed || req.headers.authorization === undefined) return none;

  const cookies = parseCookies({ header: req.headers.cookie });
  const sessionId = cookies.get(SESSION_COOKIE);
  const session = sessionId ? sessions.get(sessionId) : undefined;
  if (session) {
    const account = accounts.get(session.username);
    // Like Django's session auth hash: a session is void once the password changes.
    if (account && passwordFingerprint({ password: account.password }) === session.fingerprint) {
      return { account, httpAuthAllowed, via: "session", setCookie: null };
    }
  }

  const credentials = parseBasicAuthorization({ header: req.headers.authorization });
  if (!credentials) return none;
  onPasswordCheck();
  const account = accounts.get(credentials.username);
  // Compare even for unknown users so that timing does not reveal which usernames exist.
  const ok = passwordMatches({ given: credentials.password, expected: account?.password ?? "\0no-such-account" });
  if (!account || !ok) return none;

  let setCookie: string | null = null;
  if (cookies.size > 0) {
    const id = sessions.create({ username: account.username, fingerprint: passwordFingerprint({ password: account.password }) });
    setCookie = serializeCookie({ name: SESSION_COOKIE, value: id, secure, maxAgeSeconds: SESSION_MAX_AGE_SECONDS });
  }
  return { account, httpAuthAllowed, via: "password", setCookie };
}
