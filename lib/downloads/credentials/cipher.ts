import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";

// AES-256-GCM from node:crypto (OpenSSL): authenticated encryption, no extra dependency. The key
// comes from the environment (LABGATE_SECRET_KEY, else derived from NEXTAUTH_SECRET) and is never
// stored; each row gets a fresh 96-bit IV, and the owner's id and PhysioNet username are bound in as
// additional data, so a ciphertext copied onto another row does not decrypt.

export type SecretKey = { key: Buffer; id: string };
export type Sealed = { ciphertext: string; iv: string; authTag: string; keyId: string };

export function deriveSecretKey({ secretKey, nextauthSecret }: { secretKey?: string; nextauthSecret: string }): SecretKey {
  const material = secretKey ?? nextauthSecret;
  // HKDF with a purpose label: the same secret yields unrelated keys for unrelated uses.
  const key = Buffer.from(hkdfSync("sha256", material, "labgate", secretKey ? "physionet-credentials-v1" : "physionet-credentials-from-nextauth-v1", 32));
  // The key id names which key sealed a row (so a rotated key gives a clear message), and reveals nothing of it.
  const id = createHash("sha256").update("labgate-key-id:").update(key).digest("hex").slice(0, 16);
  return { key, id };
}

export function seal({ key, plaintext, aad }: { key: SecretKey; plaintext: string; aad: string }): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key.key, iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return { ciphertext: ciphertext.toString("base64"), iv: iv.toString("base64"), authTag: cipher.getAuthTag().toString("base64"), keyId: key.id };
}

export class CredentialUnreadableError extends Error {
  constructor(reason: "rotated_key" | "tampered") {
    super(
      reason === "rotated_key"
        ? "The stored PhysioNet password was encrypted with another key (LABGATE_SECRET_KEY changed); enter it again."
        : "The stored PhysioNet password could not be decrypted; enter it again.",
    );
    this.name = "CredentialUnreadableError";
  }
}

export function open({ key, sealed, aad }: { key: SecretKey; sealed: Sealed; aad: string }): string {
  if (sealed.keyId !== key.id) throw new CredentialUnreadableError("rotated_key");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key.key, Buffer.from(sealed.iv, "base64"));
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(Buffer.from(sealed.authTag, "base64"));
    return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, "base64")), decipher.final()]).toString("utf8");
  } catch {
    throw new CredentialUnreadableError("tampered");
  }
}
