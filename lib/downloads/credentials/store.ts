import "server-only";
import { and, eq, inArray, notExists, sql } from "drizzle-orm";
import { downloadCredentials, downloadJobs } from "@/db/schema";
import { now } from "@/lib/clock";
import type { DbOrTx } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { deriveSecretKey, open, seal, type SecretKey } from "./cipher";

// The member's PhysioNet password while their downloads need it. Only the worker that runs wget
// decrypts it, and hands it to wget only through a pipe, never a file (lib/physionet/wget/spawn-wget.ts).

export const ACTIVE_JOB_STATES = ["preparing", "ready", "running", "paused"] as const;

let cachedKey: SecretKey | undefined;
export function secretKey(): SecretKey {
  const env = getEnv();
  cachedKey ??= deriveSecretKey({ secretKey: env.LABGATE_SECRET_KEY, nextauthSecret: env.NEXTAUTH_SECRET });
  return cachedKey;
}

const aadFor = (userId: string, username: string) => `labgate-physionet:${userId}:${username}`;

export async function saveCredentials(db: DbOrTx, opts: { userId: string; labId: string; username: string; password: string; keep: boolean }): Promise<void> {
  const sealed = seal({ key: secretKey(), plaintext: opts.password, aad: aadFor(opts.userId, opts.username) });
  const at = now();
  await db
    .insert(downloadCredentials)
    .values({ userId: opts.userId, labId: opts.labId, username: opts.username, ...sealed, keep: opts.keep, createdAt: at, updatedAt: at })
    .onConflictDoUpdate({ target: downloadCredentials.userId, set: { labId: opts.labId, username: opts.username, ...sealed, keep: opts.keep, updatedAt: at } });
}

export async function hasSavedCredentials(db: DbOrTx, userId: string): Promise<{ saved: boolean; keep: boolean }> {
  const [row] = await db.select({ keep: downloadCredentials.keep }).from(downloadCredentials).where(eq(downloadCredentials.userId, userId));
  return { saved: Boolean(row), keep: row?.keep ?? false };
}

/** The decrypted credentials, or null if none are stored. Throws CredentialUnreadableError on a key change or tampering. */
export async function loadCredentials(db: DbOrTx, userId: string): Promise<{ username: string; password: string } | null> {
  const [row] = await db.select().from(downloadCredentials).where(eq(downloadCredentials.userId, userId));
  if (!row) return null;
  return { username: row.username, password: open({ key: secretKey(), sealed: row, aad: aadFor(row.userId, row.username) }) };
}

/** Deletes the stored password once none of the member's jobs needs it, unless they chose to keep it. */
export async function releaseCredentials(db: DbOrTx, userId: string): Promise<boolean> {
  const deleted = await db
    .delete(downloadCredentials)
    .where(
      and(
        eq(downloadCredentials.userId, userId),
        eq(downloadCredentials.keep, false),
        notExists(db.select({ one: sql`1` }).from(downloadJobs).where(and(eq(downloadJobs.userId, userId), inArray(downloadJobs.state, [...ACTIVE_JOB_STATES])))),
      ),
    )
    .returning({ userId: downloadCredentials.userId });
  return deleted.length > 0;
}

/** "Forget my password": deleted now, or when the member's running downloads end (they still need it). */
export async function forgetCredentials(db: DbOrTx, userId: string): Promise<{ deletedNow: boolean }> {
  await db.update(downloadCredentials).set({ keep: false, updatedAt: now() }).where(eq(downloadCredentials.userId, userId));
  return { deletedNow: await releaseCredentials(db, userId) };
}
