import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { opendir, writeFile } from "node:fs/promises";
import path from "node:path";

// PhysioNet's per-version manifest: one line per regular file, `<64 hex> <relative path>`, sorted
// byte-wise, excluding itself. Downloads take their file list from it instead of crawling listings.

export const SHA256SUMS_FILE = "SHA256SUMS.txt";

export type Sha256Entry = { sha256: string; path: string };

export function formatSha256Sums({ entries }: { entries: Sha256Entry[] }): string {
  const sorted = [...entries].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  return sorted.map((e) => `${e.sha256} ${e.path}\n`).join("");
}

/** Parses a manifest; tolerates blank lines, CRLF and the two-space `sha256sum` variant, rejects anything else. */
export function parseSha256Sums({ text }: { text: string }): Sha256Entry[] {
  const entries: Sha256Entry[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").replace(/\r$/, "");
    if (line.trim() === "") continue;
    const match = /^([0-9a-fA-F]{64}) [ *]?(.+)$/.exec(line);
    if (!match?.[1] || !match[2]) throw new Error(`${SHA256SUMS_FILE} line ${i + 1} is not "<sha256> <path>"`);
    entries.push({ sha256: match[1].toLowerCase(), path: match[2] });
  }
  return entries;
}

export async function sha256OfFile({ filePath }: { filePath: string }): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(filePath, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Hashes every regular file under `root` (streaming) and writes its SHA256SUMS.txt. */
export async function writeSha256Sums({ root }: { root: string }): Promise<Sha256Entry[]> {
  const entries: Sha256Entry[] = [];
  for await (const relative of walkFiles({ root, prefix: "" })) {
    if (relative === SHA256SUMS_FILE) continue;
    entries.push({ sha256: await sha256OfFile({ filePath: path.join(root, relative) }), path: relative });
  }
  await writeFile(path.join(root, SHA256SUMS_FILE), formatSha256Sums({ entries }));
  return entries;
}

async function* walkFiles({ root, prefix }: { root: string; prefix: string }): AsyncGenerator<string> {
  for await (const dirent of await opendir(path.join(root, prefix))) {
    const relative = prefix ? `${prefix}/${dirent.name}` : dirent.name;
    if (dirent.isDirectory()) yield* walkFiles({ root, prefix: relative });
    else if (dirent.isFile()) yield relative;
  }
}
