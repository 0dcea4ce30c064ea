import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Reads .env (if any) the way Next does, so scripts and the app see the same configuration. */
export function loadDotEnv(): void {
  if (existsSync(".env")) process.loadEnvFile(".env");
}

/**
 * A bare `npm start` has no NEXTAUTH_SECRET; one is generated once and kept in ./data so sessions
 * survive restarts. Set NEXTAUTH_SECRET yourself in any shared deployment.
 */
export function ensureAuthSecret(): void {
  if (process.env.NEXTAUTH_SECRET) return;
  const file = path.resolve("data", "nextauth-secret");
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString("base64url"), { mode: 0o600 });
  }
  process.env.NEXTAUTH_SECRET = readFileSync(file, "utf8").trim();
}

/**
 * For scripts that check what the app signed (audit:verify): the secret `npm start` kept in ./data,
 * when none is set. Unlike ensureAuthSecret it never makes one, since a new secret verifies nothing.
 */
export function loadKeptAuthSecret(): boolean {
  if (process.env.NEXTAUTH_SECRET || process.env.LABGATE_AUDIT_SIGNING_KEY) return true;
  const file = path.resolve("data", "nextauth-secret");
  if (!existsSync(file)) return false;
  process.env.NEXTAUTH_SECRET = readFileSync(file, "utf8").trim();
  return true;
}
