import "server-only";
import { and, eq, inArray, isNotNull, notExists, sql } from "drizzle-orm";
import { z } from "zod";
import { cloudIdentities, downloadJobs } from "@/db/schema";
import { now } from "@/lib/clock";
import type { DbOrTx } from "@/lib/db/client";
import { open, seal } from "../credentials/cipher";
import { ACTIVE_JOB_STATES, secretKey } from "../credentials/store";
import type { MirrorKeys } from "./client";

// A member's cloud identity per dataset version, and their key pair sealed exactly like the
// PhysioNet password (AES-256-GCM, key from LABGATE_SECRET_KEY, the owner and identity bound in as
// additional data). Only the worker and "Verify with the mirror" ever open it; it is never in a
// response, the audit log or a log line, and is dropped when the member's last mirror job ends unless
// they chose to keep it.

export const providerSchema = z.enum(["aws", "gcs"], { error: "Choose AWS or Google Cloud" });

const AWS_IDENTITY = /^(\d{12}|arn:aws:iam::\d{12}:(user|role)\/[\w+=,.@/-]{1,512})$/;
const GOOGLE_IDENTITY = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;

export const identitySchema = z
  .object({ provider: providerSchema, identity: z.string().trim().min(1, "Enter your cloud identity").max(600, "That identity is too long") })
  .superRefine((v, ctx) => {
    if (v.provider === "aws" && !AWS_IDENTITY.test(v.identity)) ctx.addIssue({ code: "custom", path: ["identity"], message: "An AWS account id (12 digits) or an IAM user ARN (arn:aws:iam::123456789012:user/name)" });
    if (v.provider === "gcs" && !GOOGLE_IDENTITY.test(v.identity)) ctx.addIssue({ code: "custom", path: ["identity"], message: "The Google account's email address PhysioNet knows" });
  });

export const keysSchema = z.object({
  accessKeyId: z.string().trim().regex(/^[A-Za-z0-9]{16,128}$/, "An access key id is 16–128 letters and digits (AKIA… on AWS, GOOG… for a Google HMAC key)"),
  secretAccessKey: z.string().regex(/^[\x21-\x7e]{16,128}$/, "A secret key is 16–128 characters without spaces"),
});

export type CloudIdentity = typeof cloudIdentities.$inferSelect;

const aadFor = (row: { userId: string; id: string; provider: string; identity: string }) => `labgate-mirror:${row.userId}:${row.id}:${row.provider}:${row.identity}`;

export async function findIdentity(db: DbOrTx, opts: { userId: string; datasetId: string }): Promise<CloudIdentity | null> {
  const [row] = await db.select().from(cloudIdentities).where(and(eq(cloudIdentities.userId, opts.userId), eq(cloudIdentities.datasetId, opts.datasetId)));
  return row ?? null;
}

/** Records (or changes) the member's identity for a dataset version; a change clears the old evidence and keys. */
export async function upsertIdentity(db: DbOrTx, opts: { userId: string; labId: string; datasetId: string; provider: "aws" | "gcs"; identity: string }): Promise<CloudIdentity> {
  const at = now();
  const existing = await findIdentity(db, opts);
  if (existing && existing.provider === opts.provider && existing.identity === opts.identity) return existing;
  const cleared = { keysCiphertext: null, keysIv: null, keysAuthTag: null, keysKeyId: null, keepKeys: false, verifiedOutcome: null, verifiedStatus: null, verifiedAt: null };
  const [row] = await db
    .insert(cloudIdentities)
    .values({ userId: opts.userId, labId: opts.labId, datasetId: opts.datasetId, provider: opts.provider, identity: opts.identity, createdAt: at, updatedAt: at })
    .onConflictDoUpdate({ target: [cloudIdentities.userId, cloudIdentities.datasetId], set: { labId: opts.labId, provider: opts.provider, identity: opts.identity, ...cleared, updatedAt: at } })
    .returning();
  return row!;
}

export async function sealKeys(db: DbOrTx, row: CloudIdentity, keys: MirrorKeys, keep: boolean): Promise<void> {
  const sealed = seal({ key: secretKey(), plaintext: JSON.stringify(keys), aad: aadFor(row) });
  await db
    .update(cloudIdentities)
    .set({ keysCiphertext: sealed.ciphertext, keysIv: sealed.iv, keysAuthTag: sealed.authTag, keysKeyId: sealed.keyId, keepKeys: keep, updatedAt: now() })
    .where(eq(cloudIdentities.id, row.id));
}

/** The member's key pair, or null when none is stored. Throws CredentialUnreadableError on a key change or tampering. */
export function openKeys(row: CloudIdentity): MirrorKeys | null {
  if (!row.keysCiphertext || !row.keysIv || !row.keysAuthTag || !row.keysKeyId) return null;
  const plain = open({ key: secretKey(), sealed: { ciphertext: row.keysCiphertext, iv: row.keysIv, authTag: row.keysAuthTag, keyId: row.keysKeyId }, aad: aadFor(row) });
  return keysSchema.parse(JSON.parse(plain));
}

export async function loadIdentityById(db: DbOrTx, id: string): Promise<CloudIdentity | null> {
  const [row] = await db.select().from(cloudIdentities).where(eq(cloudIdentities.id, id));
  return row ?? null;
}

/** Drops the member's key pairs no active job needs, unless they chose to keep them. */
export async function releaseMirrorKeys(db: DbOrTx, userId: string): Promise<number> {
  const dropped = await db
    .update(cloudIdentities)
    .set({ keysCiphertext: null, keysIv: null, keysAuthTag: null, keysKeyId: null, updatedAt: now() })
    .where(
      and(
        eq(cloudIdentities.userId, userId),
        eq(cloudIdentities.keepKeys, false),
        isNotNull(cloudIdentities.keysCiphertext),
        notExists(
          db
            .select({ one: sql`1` })
            .from(downloadJobs)
            .where(and(eq(downloadJobs.cloudIdentityId, cloudIdentities.id), inArray(downloadJobs.state, [...ACTIVE_JOB_STATES]))),
        ),
      ),
    )
    .returning({ id: cloudIdentities.id });
  return dropped.length;
}

/** The member's identities by dataset version, for the checklist (never a key: only whether one is kept). */
export async function memberIdentities(db: DbOrTx, userId: string) {
  const rows = await db.select().from(cloudIdentities).where(eq(cloudIdentities.userId, userId));
  return new Map(
    rows.map((r) => [
      r.datasetId,
      { provider: r.provider, identity: r.identity, verifiedOutcome: r.verifiedOutcome, verifiedStatus: r.verifiedStatus, verifiedAt: r.verifiedAt?.toISOString() ?? null, keysKept: Boolean(r.keysCiphertext) && r.keepKeys },
    ]),
  );
}
