import { createHash } from "node:crypto";

// What a destruction record's hash covers: one "path\tsize\n" line per removed file, sorted by the
// paths' UTF-8 bytes, hashed with SHA-256. Anyone holding the list (the database rows) can recompute it.

export type ListedFile = { path: string; size: number };

export function fileListSha256(files: readonly ListedFile[]): string {
  const lines = files.map((f) => Buffer.from(`${f.path}\t${f.size}\n`, "utf8"));
  lines.sort(Buffer.compare);
  const hash = createHash("sha256");
  for (const line of lines) hash.update(line);
  return hash.digest("hex");
}
