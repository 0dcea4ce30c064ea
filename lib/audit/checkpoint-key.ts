import { createHash, createPrivateKey, createPublicKey, hkdfSync, type KeyObject } from "node:crypto";
import { getEnv, type Env } from "@/lib/env";

// The key that signs audit checkpoints. It lives in the environment of the app and the worker, never
// in the database, so whoever can rewrite audit_log (a database superuser, a restored dump) cannot
// sign a checkpoint for the rewritten chain. Ed25519 from node:crypto: small deterministic
// signatures, no parameters to get wrong, no dependency.

export type AuditSigningKey = {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The raw 32-byte public key, base64url: what a checkpoint file names and an auditor compares. */
  publicKeyText: string;
  /** Short, stable name of the public key for people: "ed25519:" + 16 hex of its SHA-256. */
  fingerprint: string;
};

// PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410); node:crypto takes seeds only in this form.
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

export function deriveAuditSigningKey({ signingKey, nextauthSecret }: { signingKey?: string; nextauthSecret: string }): AuditSigningKey {
  // HKDF with its own purpose label: the session secret never signs anything directly, and the seed
  // is unrelated to the PhysioNet credential key derived from the same secret.
  const seed = Buffer.from(
    hkdfSync("sha256", signingKey ?? nextauthSecret, "labgate", signingKey ? "audit-checkpoint-ed25519-v1" : "audit-checkpoint-ed25519-from-nextauth-v1", 32),
  );
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: "der", type: "pkcs8" });
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, ...describePublicKey(publicKey) };
}

export function describePublicKey(publicKey: KeyObject): { publicKeyText: string; fingerprint: string } {
  const raw = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  return { publicKeyText: raw.toString("base64url"), fingerprint: `ed25519:${createHash("sha256").update(raw).digest("hex").slice(0, 16)}` };
}


let cached: AuditSigningKey | undefined;
/** The lab's checkpoint key: LABGATE_AUDIT_SIGNING_KEY, else derived from NEXTAUTH_SECRET. */
export function auditSigningKey(env: Env = getEnv()): AuditSigningKey {
  cached ??= deriveAuditSigningKey({ signingKey: env.LABGATE_AUDIT_SIGNING_KEY, nextauthSecret: env.NEXTAUTH_SECRET });
  return cached;
}
