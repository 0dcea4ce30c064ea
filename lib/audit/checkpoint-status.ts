import "server-only";
import { inArray } from "drizzle-orm";
import { auditLog } from "@/db/schema";
import { getDb } from "@/lib/db/client";
import { listFolderKeys } from "@/lib/storage/file-storage";
import { getStorage } from "@/lib/storage/get-storage";
import { CHECKPOINT_FOLDER, readCheckpointFile } from "./checkpoint";
import { auditSigningKey } from "./checkpoint-key";

export type CheckpointStatus = {
  key: string;
  lastId: number | null;
  at: string | null;
  headHashPrefix: string | null;
  signatureValid: boolean;
  /** The row at lastId still carries the signed hash (null when the signature already failed). */
  matchesLog: boolean | null;
  problem: string | null;
};

/**
 * The newest checkpoints for the steward's audit page: is each signed by the lab's key, and does the
 * log still hold the head it signed. The whole chain is walked only by `npm run audit:verify`.
 */
export async function listLatestCheckpoints({ limit = 5 }: { limit?: number } = {}): Promise<{ fingerprint: string; total: number; checkpoints: CheckpointStatus[] }> {
  const key = auditSigningKey();
  const storage = getStorage();
  const all = await listFolderKeys(storage, CHECKPOINT_FOLDER);
  const keys = all.slice(-limit).reverse();
  const read = await Promise.all(
    keys.map(async (k) => {
      const bytes = await storage.get(k);
      return { key: k, read: bytes ? readCheckpointFile(k, bytes, key.publicKey) : ({ ok: false, reason: "removed while being read" } as const) };
    }),
  );
  const ids = read.flatMap((r) => (r.read.ok ? [r.read.checkpoint.lastId] : []));
  const rows = ids.length > 0 ? await getDb().select({ id: auditLog.id, hash: auditLog.hash }).from(auditLog).where(inArray(auditLog.id, ids)) : [];
  const hashOf = new Map(rows.map((r) => [r.id, r.hash]));
  const checkpoints = read.map(({ key: k, read: r }): CheckpointStatus => {
    if (!r.ok) return { key: k, lastId: null, at: null, headHashPrefix: null, signatureValid: false, matchesLog: null, problem: r.reason };
    const c = r.checkpoint;
    const matchesLog = hashOf.get(c.lastId) === c.headHash;
    return {
      key: k,
      lastId: c.lastId,
      at: c.at,
      headHashPrefix: c.headHash.slice(0, 16),
      signatureValid: true,
      matchesLog,
      problem: matchesLog ? null : `row ${c.lastId} no longer has the signed hash (run npm run audit:verify)`,
    };
  });
  return { fingerprint: key.fingerprint, total: all.length, checkpoints };
}
