import "server-only";
import { readFile } from "node:fs/promises";
import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/lib/db/client";
import type { WgetCredentials } from "@/lib/physionet/wget/credentials";
import { fileUrl, type PhysionetSource } from "./source";
import { newLaneSession } from "./transfer/lane-session";
import { runWgetList } from "./transfer/wget-list";

// Sizes before downloading: SHA256SUMS.txt has none. The version folder's listing (one request)
// gives every top-level file exactly; for the many files under files/ a small seeded sample is asked
// with HEAD and its average stands for the rest of its kind. Finished files replace guesses.

const LISTING_LINE = /<a href="([^"]+)">[^<]*(?:<\/a>)?\s+\d{2}-[A-Za-z]{3}-\d{4} \d{2}:\d{2}\s+(\d+|-)/g;

/** File sizes from an nginx autoindex page (folders, shown with "-", are left out). */
export function parseListingSizes(html: string): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const match of html.matchAll(LISTING_LINE)) {
    const [, href = "", size = "-"] = match;
    if (size === "-" || href.endsWith("/") || href === "../") continue;
    try {
      sizes.set(decodeURIComponent(href), Number(size));
    } catch {
      // a name we could not decode cannot be one of ours
    }
  }
  return sizes;
}

export async function readListingSizes(filePath: string): Promise<Map<string, number>> {
  return parseListingSizes(await readFile(filePath, "utf8"));
}

/** HEAD (wget --spider) for each path; returns the sizes the server gave. Failures are simply left out. */
export async function headSizes(opts: {
  source: PhysionetSource;
  ref: { slug: string; version: string };
  credentials: WgetCredentials;
  paths: string[];
  parallel?: number;
  signal?: AbortSignal;
  onSpawn?: (info: { pid: number }) => void;
}): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  const parallel = Math.max(1, Math.min(opts.parallel ?? 4, opts.paths.length));
  const groups = Array.from({ length: parallel }, (_, i) => opts.paths.filter((_, j) => j % parallel === i));
  await Promise.all(
    groups.map(async (group) => {
        const session = newLaneSession({ credentials: opts.credentials, caCertificate: opts.source.caCertificate });
        const byUrl = new Map(group.map((p) => [fileUrl(opts.source, opts.ref, p), p]));
        const run = await runWgetList({
          session,
          urls: [...byUrl.keys()],
          args: ["--spider", "--tries=2", "--waitretry=1", "--timeout=30"],
          timeoutMs: 120_000,
          signal: opts.signal,
          onSpawn: opts.onSpawn,
        });
        for (const [url, outcome] of run.outcomes) {
          const p = byUrl.get(url);
          if (p !== undefined && outcome.status === 200 && outcome.totalBytes !== null) sizes.set(p, outcome.totalBytes);
        }
    }),
  );
  return sizes;
}

export type JobEstimate = { bytes: number; exact: boolean; unknownFiles: number };

/**
 * Known sizes plus, for each kind of file, the average known size times the files still unknown.
 * Exact once every file's size is known.
 */
export async function estimateJobBytes(db: DbOrTx, jobId: string): Promise<JobEstimate> {
  const rows = await db.execute<{ category: string; known_bytes: string | null; known: string; unknown: string }>(sql`
    select category, sum(size) as known_bytes, count(size) as known, count(*) - count(size) as unknown
    from download_files where job_id = ${jobId} group by category`);
  let bytes = 0;
  let unknownFiles = 0;
  let overallKnown = 0;
  let overallBytes = 0;
  for (const r of rows.rows) {
    overallKnown += Number(r.known);
    overallBytes += Number(r.known_bytes ?? 0);
  }
  const overallAverage = overallKnown > 0 ? overallBytes / overallKnown : 0;
  for (const r of rows.rows) {
    const known = Number(r.known);
    const unknown = Number(r.unknown);
    const knownBytes = Number(r.known_bytes ?? 0);
    const average = known > 0 ? knownBytes / known : overallAverage;
    bytes += knownBytes + Math.round(average * unknown);
    unknownFiles += unknown;
  }
  return { bytes, exact: unknownFiles === 0, unknownFiles };
}
