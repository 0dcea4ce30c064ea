import { sign, verify, type KeyObject } from "node:crypto";
import { listFolderKeys, type FileStorage } from "@/lib/storage/file-storage";
import { canonicalJson } from "./canonical";
import { describePublicKey, type AuditSigningKey } from "./checkpoint-key";

// A checkpoint anchors the audit chain outside its table: "row `lastId` had hash `headHash`, and
// `rowCount` rows had ids up to it", signed with a key the database does not hold, kept in lab
// storage. Whoever rewrites audit_log (triggers disabled, every hash recomputed so the chain looks
// whole, or the tail deleted) cannot make the row at a checkpoint's lastId keep the signed hash, nor
// sign a new checkpoint. Rows after the newest checkpoint are covered by the next one only.

export const CHECKPOINT_FOLDER = "audit-checkpoints";
export const CHECKPOINT_FORMAT = "labgate-audit-checkpoint/1";

export type Checkpoint = { lastId: number; headHash: string; rowCount: number; at: string };
export type CheckpointFile = Checkpoint & { format: typeof CHECKPOINT_FORMAT; publicKey: string; signature: string };
/** A checkpoint read back from storage, with the storage key it was read from. */
export type StoredCheckpoint = Checkpoint & { key: string };
export type CheckpointProblem = { key: string; reason: string };

// Zero-padded, so storage listings sort by position in the chain.
export function checkpointKey(lastId: number): string {
  return `${CHECKPOINT_FOLDER}/${String(lastId).padStart(16, "0")}.json`;
}

function signedBytes(c: Checkpoint, publicKey: string): Buffer {
  return Buffer.from(canonicalJson({ format: CHECKPOINT_FORMAT, lastId: c.lastId, headHash: c.headHash, rowCount: c.rowCount, at: c.at, publicKey }));
}

export function signCheckpoint(c: Checkpoint, key: AuditSigningKey): CheckpointFile {
  const signature = sign(null, signedBytes(c, key.publicKeyText), key.privateKey).toString("base64");
  return { format: CHECKPOINT_FORMAT, lastId: c.lastId, headHash: c.headHash, rowCount: c.rowCount, at: c.at, publicKey: key.publicKeyText, signature };
}

/** Parses and checks one checkpoint file against the lab's public key. */
export function readCheckpointFile(key: string, bytes: Buffer, publicKey: KeyObject): { ok: true; checkpoint: StoredCheckpoint } | { ok: false; reason: string } {
  let file: Partial<CheckpointFile>;
  try {
    file = JSON.parse(bytes.toString("utf8")) as Partial<CheckpointFile>;
  } catch {
    return { ok: false, reason: "not valid JSON (the file was altered or truncated)" };
  }
  const { lastId, headHash, rowCount, at, publicKey: named, signature } = file;
  if (
    file.format !== CHECKPOINT_FORMAT ||
    !Number.isSafeInteger(lastId) ||
    !Number.isSafeInteger(rowCount) ||
    typeof headHash !== "string" ||
    typeof at !== "string" ||
    typeof named !== "string" ||
    typeof signature !== "string"
  ) {
    return { ok: false, reason: "not a labgate audit checkpoint (fields missing or of the wrong type)" };
  }
  const expected = describePublicKey(publicKey);
  if (named !== expected.publicKeyText) {
    return { ok: false, reason: `signed by another key than the lab's (${expected.fingerprint}): the signing key changed, or the file was forged` };
  }
  const checkpoint: StoredCheckpoint = { key, lastId: lastId!, headHash, rowCount: rowCount!, at };
  if (!verify(null, signedBytes(checkpoint, named), publicKey, Buffer.from(signature, "base64"))) {
    return { ok: false, reason: "signature does not verify (the file was altered after signing)" };
  }
  if (key !== checkpointKey(checkpoint.lastId)) return { ok: false, reason: `signed for row ${checkpoint.lastId} but stored under another name` };
  return { ok: true, checkpoint };
}

/** Every checkpoint in lab storage, oldest first; the ones that do not verify as problems. */
export async function readAuditCheckpoints({ storage, publicKey, latest }: { storage: FileStorage; publicKey: KeyObject; latest?: number }) {
  const keys = await listFolderKeys(storage, CHECKPOINT_FOLDER);
  const wanted = latest === undefined ? keys : keys.slice(-latest);
  const checkpoints: StoredCheckpoint[] = [];
  const problems: CheckpointProblem[] = [];
  for (const key of wanted) {
    const bytes = await storage.get(key);
    if (!bytes) continue; // removed between listing and reading
    const read = readCheckpointFile(key, bytes, publicKey);
    if (read.ok) checkpoints.push(read.checkpoint);
    else problems.push({ key, reason: read.reason });
  }
  return { checkpoints, problems, total: keys.length };
}
