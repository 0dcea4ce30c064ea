import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { sha256OfFile } from "../sha256-sums";
import { createDotProgressParser, type WgetProgress } from "./dot-progress";
import type { WgetCredentials } from "./credentials";
import { describeFailure, finalStatus, runWget, type WgetSpawnInfo } from "./run-wget";

export type DownloadOutcome = "complete" | "checksum_mismatch" | "wrong_credentials" | "not_authorized" | "not_found" | "error";

export type DownloadResult = {
  outcome: DownloadOutcome;
  httpStatus: number | null;
  /** Bytes in the .part file (kept for the next attempt) or in the destination once complete. */
  bytes: number;
  sha256: string | null;
  detail: string;
};

const FINAL_OUTCOME: Record<number, DownloadOutcome> = { 401: "wrong_credentials", 403: "not_authorized", 404: "not_found" };

/**
 * One file with `wget -c` into `<destination>.part`: an interrupted transfer (reset, short body,
 * 503, killed worker) resumes with a Range request instead of starting over. The destination appears
 * only by an atomic rename, and only after the SHA-256 matched when `expectedSha256` is given; a
 * mismatch deletes the .part so the next attempt starts clean.
 */
export async function downloadFile({
  url,
  destination,
  credentials,
  caCertificate = null,
  expectedSha256,
  tries = 5,
  waitRetrySeconds = 2,
  readTimeoutSeconds = 60,
  timeoutMs = 3_600_000,
  signal,
  onProgress,
  onSpawn,
}: {
  url: string;
  destination: string;
  credentials: WgetCredentials | null;
  caCertificate?: string | null;
  expectedSha256?: string;
  tries?: number;
  waitRetrySeconds?: number;
  readTimeoutSeconds?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (progress: WgetProgress) => void;
  onSpawn?: (info: WgetSpawnInfo) => void;
}): Promise<DownloadResult> {
  // Absolute: wget runs inside its private directory, which is deleted afterwards.
  destination = path.resolve(destination);
  const partPath = `${destination}.part`;
  await mkdir(path.dirname(destination), { recursive: true });
  const progress = onProgress ? createDotProgressParser({ onProgress }) : null;
  const run = await runWget({
    args: [
      "--continue",
      `--output-document=${partPath}`,
      "--progress=dot:default",
      `--tries=${tries}`,
      `--waitretry=${waitRetrySeconds}`,
      `--read-timeout=${readTimeoutSeconds}`,
      "--retry-connrefused",
      // Outages are worth waiting out; 401/403/404 are answers.
      "--retry-on-http-error=500,502,503,504",
      url,
    ],
    credentials,
    caCertificate,
    timeoutMs,
    signal,
    onStderr: progress ? (text) => progress.push(text) : undefined,
    onSpawn,
  });
  const bytes = (await stat(partPath).catch(() => null))?.size ?? 0;
  const status = finalStatus({ run });

  if (run.exitCode !== 0 || run.timedOut || run.aborted) {
    const outcome = (status !== null && FINAL_OUTCOME[status]) || "error";
    const reason = status !== null && !run.timedOut && !run.aborted ? `the server answered ${status}${run.responses.at(-1)?.reason ? ` ${run.responses.at(-1)?.reason}` : ""}` : describeFailure({ run, timeoutMs });
    // A 4xx leaves nothing worth resuming; a network failure keeps the bytes for the next attempt.
    if (outcome !== "error" && bytes === 0) await rm(partPath, { force: true });
    return { outcome, httpStatus: status, bytes, sha256: null, detail: `${path.basename(destination)}: ${reason} after ${tries} ${tries === 1 ? "try" : "tries"}` };
  }

  const sha256 = await sha256OfFile({ filePath: partPath });
  if (expectedSha256 && sha256 !== expectedSha256.toLowerCase()) {
    await rm(partPath, { force: true });
    return { outcome: "checksum_mismatch", httpStatus: status, bytes, sha256, detail: `${path.basename(destination)}: SHA-256 ${sha256} does not match the manifest's ${expectedSha256}` };
  }
  await rename(partPath, destination);
  onProgress?.({ bytes, totalBytes: bytes });
  return { outcome: "complete", httpStatus: status, bytes, sha256, detail: `${path.basename(destination)}: ${bytes} bytes${expectedSha256 ? ", SHA-256 verified" : ""}` };
}
