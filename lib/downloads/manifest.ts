import "server-only";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { SHA256SUMS_FILE } from "@/lib/physionet/sha256-sums";
import { downloadFile, type DownloadResult } from "@/lib/physionet/wget/download-file";
import type { WgetCredentials } from "@/lib/physionet/wget/credentials";
import { fileUrl, type PhysionetSource } from "./source";

// The file list comes from the version's SHA256SUMS.txt (and IMAGE_FILENAMES where the version has
// one), fetched with wget like every other PhysioNet request — never by crawling index pages.

export const IMAGE_FILENAMES = "IMAGE_FILENAMES";

export class SourceRefusedError extends Error {
  constructor(
    public readonly outcome: DownloadResult["outcome"],
    message: string,
  ) {
    super(message);
    this.name = "SourceRefusedError";
  }
}

const REFUSALS: Partial<Record<DownloadResult["outcome"], string>> = {
  wrong_credentials: "PhysioNet did not accept the username or password (HTTP 401).",
  not_authorized: "PhysioNet refused access to this dataset version (HTTP 403): credentialing, training or the DUA for this version is missing there.",
  not_found: "PhysioNet has no such dataset version (HTTP 404).",
};

/** Fetches one file of the version into `destination` with wget; a refusal becomes a SourceRefusedError with a clear message. */
export async function fetchVersionFile(opts: {
  source: PhysionetSource;
  ref: { slug: string; version: string };
  filePath: string;
  destination: string;
  credentials: WgetCredentials;
  expectedSha256?: string;
  signal?: AbortSignal;
  onProgress?: (bytes: number) => void;
  onSpawn?: (info: { pid: number }) => void;
}): Promise<void> {
  const result = await downloadFile({
    url: fileUrl(opts.source, opts.ref, opts.filePath),
    destination: opts.destination,
    credentials: opts.credentials,
    caCertificate: opts.source.caCertificate,
    expectedSha256: opts.expectedSha256,
    tries: 8,
    waitRetrySeconds: 2,
    timeoutMs: 3_600_000,
    signal: opts.signal,
    onProgress: opts.onProgress ? (p) => opts.onProgress!(p.bytes) : undefined,
    onSpawn: opts.onSpawn,
  });
  if (result.outcome === "complete") return;
  const refusal = REFUSALS[result.outcome];
  if (refusal) throw new SourceRefusedError(result.outcome, refusal);
  if (result.outcome === "checksum_mismatch") throw new SourceRefusedError(result.outcome, `${opts.filePath} does not match its line in ${SHA256SUMS_FILE}.`);
  throw new SourceRefusedError(result.outcome, `Could not fetch ${opts.filePath} from PhysioNet: ${result.detail}`);
}

export type ManifestEntry = { path: string; sha256: string };

const LINE = /^([0-9a-fA-F]{64}) [ *]?(.+)$/;

/** Streams SHA256SUMS.txt entry by entry (600k lines for MIMIC-CXR never sit in memory at once). */
export async function* readManifest(filePath: string): AsyncGenerator<ManifestEntry> {
  const lines = createInterface({ input: createReadStream(filePath, { encoding: "utf8" }), crlfDelay: Infinity });
  let n = 0;
  for await (const raw of lines) {
    n++;
    const line = raw.replace(/\r$/, "");
    if (line.trim() === "") continue;
    const match = LINE.exec(line);
    if (!match?.[1] || !match[2]) throw new Error(`${SHA256SUMS_FILE} line ${n} is not "<sha256> <path>"`);
    yield { sha256: match[1].toLowerCase(), path: match[2] };
  }
}

export async function readImageFilenames(filePath: string): Promise<Set<string>> {
  const names = new Set<string>();
  for (const line of (await readFile(filePath, "utf8")).split("\n")) {
    const name = line.trim();
    if (name) names.add(name);
  }
  return names;
}

export function manifestPaths(dir: string) {
  return { sums: path.join(dir, SHA256SUMS_FILE), imageNames: path.join(dir, IMAGE_FILENAMES), listing: path.join(dir, "index.html") };
}
