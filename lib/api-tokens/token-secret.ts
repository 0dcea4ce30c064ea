import { createHash, randomBytes } from "node:crypto";

// `lgt_` + 32 random bytes in base64url: a fixed, greppable prefix lets secret scanners (GitHub's,
// gitleaks, trufflehog custom rules) recognise a labgate token pasted into a notebook or a commit.
export const TOKEN_PREFIX = "lgt_";
export const TOKEN_PATTERN = /^lgt_[A-Za-z0-9_-]{43}$/;

export function generateToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
}

/** Only this is stored: 256 random bits need no slow hash, and a dump of the table opens nothing. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** What lists show, enough to tell tokens apart and to match one found in a leak. */
export function displayPrefix(token: string): string {
  return token.slice(0, TOKEN_PREFIX.length + 6);
}

/** The token of an `Authorization: Bearer …` header; "malformed" for any other Authorization value. */
export function bearerTokenOf(headers: Headers): string | "malformed" | null {
  const value = headers.get("authorization");
  if (value === null) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(value);
  return m ? m[1]! : "malformed";
}
