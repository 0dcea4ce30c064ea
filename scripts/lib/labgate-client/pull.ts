import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parse } from "csv-parse";
import { datasetPath, HttpError, RefusedError, type ApiClient } from "./api-client";
import { fetchFile, isAlreadyThere, type ManifestFile, type Throttle } from "./fetch-file";
import { findCohort } from "./find-cohort";

export type PullOptions = { cohort: string; to: string; dataset: string | null; concurrency: number; limitRate: number | null; log: (line: string) => void; progress: (line: string) => void };
export type PullResult = { files: number; fetched: number; alreadyThere: number; notInStorage: number; failed: string[]; bytes: number };

const ATTEMPTS = 3;
// Paths come from the server's manifest: never let one climb out of the target directory.
const SAFE_PATH = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

/** Saves the cohort's manifest as DIR/manifest.csv (researchers want its labels too) and reads the files in it. */
async function loadManifest(api: ApiClient, manifestPath: string, dir: string): Promise<{ files: ManifestFile[]; notInStorage: number }> {
  const res = await api.get(manifestPath);
  if (!res.ok || !res.body) throw new HttpError(res.status, `manifest: HTTP ${res.status}`);
  const file = path.join(dir, "manifest.csv");
  await pipeline(Readable.fromWeb(res.body as import("node:stream/web").ReadableStream), createWriteStream(`${file}.part`));
  await rename(`${file}.part`, file);
  const files: ManifestFile[] = [];
  let notInStorage = 0;
  for await (const row of createReadStream(file).pipe(parse({ columns: true })) as AsyncIterable<Record<string, string>>) {
    if (row.in_storage !== "1") {
      notInStorage++;
      continue;
    }
    if (!SAFE_PATH.test(row.path ?? "") || row.path!.split("/").some((p) => p === "." || p === "..")) throw new Error(`manifest: refusing unsafe path ${JSON.stringify(row.path)}`);
    if (!/^[0-9a-f]{64}$/.test(row.sha256 ?? "")) throw new Error(`manifest: ${row.path} has no valid sha256`);
    files.push({ path: row.path!, size: Number(row.size), sha256: row.sha256! });
  }
  return { files, notInStorage };
}

/** A global rate limit (bytes/s) across all lanes, like wget's --limit-rate; none when null. */
function throttleFor(limit: number | null): Throttle {
  if (!limit) return async () => {};
  const start = Date.now();
  let total = 0;
  return async (n) => {
    total += n;
    const ahead = (total / limit) * 1000 - (Date.now() - start);
    if (ahead > 5) await new Promise((r) => setTimeout(r, ahead));
  };
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/**
 * Mirrors a cohort's files into `to`: files already there with the manifest's SHA-256 are kept,
 * the rest fetched by `concurrency` lanes, each verified before it takes its name. A refusal (token
 * revoked or expired, access ended) stops every lane at once and is rethrown.
 */
export async function pullCohort(api: ApiClient, opts: PullOptions): Promise<PullResult> {
  const { dataset, cohort } = await findCohort(api, { cohort: opts.cohort, dataset: opts.dataset });
  const dir = path.resolve(opts.to);
  await mkdir(dir, { recursive: true });
  opts.log(`cohort "${cohort.name}" (${cohort.id}) of ${dataset.slug}/${dataset.version} → ${dir}`);
  const { files, notInStorage } = await loadManifest(api, cohort.manifest, dir);
  const total = files.reduce((n, f) => n + f.size, 0);
  opts.log(`manifest: ${files.length} files in lab storage (${mb(total)})${notInStorage ? `, ${notInStorage} images not in lab storage (skipped; a steward can download them)` : ""}`);

  const result: PullResult = { files: files.length, fetched: 0, alreadyThere: 0, notInStorage, failed: [], bytes: 0 };
  const abort = new AbortController();
  let refused: RefusedError | null = null;
  let done = 0;
  let lastProgress = 0;
  const started = Date.now();
  const report = (force = false) => {
    if (!force && Date.now() - lastProgress < 500) return;
    lastProgress = Date.now();
    const secs = Math.max((Date.now() - started) / 1000, 0.001);
    opts.progress(`${done}/${files.length} files, ${mb(result.bytes)} fetched (${mb(result.bytes / secs)}/s), ${result.alreadyThere} already there, ${result.failed.length} failed`);
  };
  const throttle = throttleFor(opts.limitRate);
  let next = 0;
  async function lane() {
    while (!refused && next < files.length) {
      const f = files[next++]!;
      const target = path.join(dir, ...f.path.split("/"));
      if (await isAlreadyThere(target, f)) {
        result.alreadyThere++;
      } else {
        for (let attempt = 1; ; attempt++) {
          try {
            await fetchFile({ api, urlPath: `${datasetPath(dataset)}/files/${f.path.split("/").map(encodeURIComponent).join("/")}`, target, file: f, signal: abort.signal, throttle, onBytes: (n) => (result.bytes += n) });
            result.fetched++;
            break;
          } catch (e) {
            if (e instanceof RefusedError) {
              refused ??= e;
              abort.abort();
              return;
            }
            if (refused) return;
            if (attempt >= ATTEMPTS) {
              result.failed.push(`${f.path}: ${e instanceof Error ? e.message : String(e)}`);
              break;
            }
            await new Promise((r) => setTimeout(r, 250 * attempt));
          }
        }
      }
      done++;
      report();
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, 16)) }, lane));
  report(true);
  if (refused) throw refused;
  return result;
}
