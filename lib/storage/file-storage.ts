import type { Readable } from "node:stream";

// Lab storage: the local directory or S3-compatible object storage (lib/storage/get-storage.ts).
// Both make a file visible only when it is complete: a reader sees no file or the whole file.

/** Inclusive byte range, as in HTTP's Content-Range. */
export type ByteRange = { start: number; end: number };

export type FileStorage = {
  readonly kind: "local" | "s3";
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** Null when nothing is stored under the key. */
  get(key: string): Promise<Buffer | null>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Stores a finished local file under `key` atomically (rename or one object PUT). The source file
   * is consumed: it no longer exists afterwards.
   */
  putFile(key: string, sourcePath: string): Promise<void>;
  /**
   * putFile for a group of finished files, with the same promise per file but the flushes shared:
   * for many small files one fsync each, one after another, costs more than the transfer. One
   * result per item, in order: null when stored, else why not (the others are unaffected).
   */
  putFiles(items: readonly { key: string; sourcePath: string }[]): Promise<(Error | null)[]>;
  stat(key: string): Promise<{ size: number } | null>;
  /** The stored bytes (or one range of them) as a stream, or null when the key is missing. */
  openRead(key: string, range?: ByteRange): Promise<Readable | null>;
  /** Bytes that can still be written, or null where the backend cannot tell (object storage). */
  freeBytes(): Promise<number | null>;
  /** Every stored key under `prefix` (a folder, ending in "/") with its size; in no particular order. */
  list(prefix: string): Promise<{ key: string; size: number }[]>;
};

// Keys are chosen by labgate (ids, fixed words, and dataset paths taken from PhysioNet's manifest
// after validation), never typed by users; the pattern is a second fence against path traversal.
const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

export function assertStorageKey(key: string): void {
  if (!KEY.test(key) || key.length > 1024 || key.split("/").some((part) => part === "." || part === "..")) {
    throw new Error(`labgate: invalid storage key ${JSON.stringify(key)}`);
  }
}

export function isStorageKey(key: string): boolean {
  try {
    assertStorageKey(key);
    return true;
  } catch {
    return false;
  }
}

/**
 * Keys of the files directly under `folder` ("audit-checkpoints"), sorted; a put's dot-named
 * temporaries and anything deeper are left out. For small labgate-owned folders.
 */
export async function listFolderKeys(storage: FileStorage, folder: string): Promise<string[]> {
  const base = `${folder.replace(/\/+$/, "")}/`;
  return (await storage.list(base))
    .map((o) => o.key)
    .filter((key) => key.startsWith(base) && !key.slice(base.length).includes("/") && isStorageKey(key))
    .sort();
}
