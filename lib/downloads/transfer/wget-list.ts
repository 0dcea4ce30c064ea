import { spawnWget, type WgetSpawnInfo } from "@/lib/physionet/wget/spawn-wget";
import type { LaneSession } from "./lane-session";
import { createWgetLogParser, type UrlOutcome } from "./wget-log";

export type WgetListRun = { exitCode: number | null; aborted: boolean; timedOut: boolean; outcomes: Map<string, UrlOutcome> };

/**
 * One GNU wget process over a list of URLs (`--input-file`): one keep-alive connection, and the
 * session cookie PhysioNet sets after the first Basic login carried in the lane's session, so later
 * requests and later runs skip the password check. Started by spawnWget (a slot of the cap, the
 * credentials, jar and list through pipes, dies with the worker). Reports each URL as wget finishes
 * with it, so a lane can verify a file while wget fetches the next one.
 */
export async function runWgetList({
  session,
  urls,
  args,
  signal,
  timeoutMs,
  onUrlStart,
  onUrlEnd,
  onStatus,
  onSpawn,
}: {
  session: LaneSession;
  urls: string[];
  args: string[];
  signal?: AbortSignal;
  timeoutMs: number;
  onUrlStart?: (url: string) => void;
  onUrlEnd?: (url: string, outcome: UrlOutcome) => void;
  onStatus?: (status: number) => void;
  onSpawn?: (info: WgetSpawnInfo) => void;
}): Promise<WgetListRun> {
  const known = new Set(urls);
  const parser = createWgetLogParser({ known, onUrlStart, onUrlEnd, onStatus });
  const { exitCode, timedOut, aborted, cookies } = await spawnWget({
    args,
    urls,
    credentials: session.credentials,
    caCertificate: session.caCertificate,
    cookies: session.cookies,
    purpose: "background",
    timeoutMs,
    signal,
    onSpawn,
    onStderr: (text) => parser.push(text),
  });
  if (cookies !== null) session.cookies = cookies;
  parser.end({ interrupted: aborted || timedOut });
  return { exitCode, aborted, timedOut, outcomes: parser.outcomes };
}
