import { execFile } from "node:child_process";
import { access, constants } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export type WgetBinary = { path: string; version: string };

let cached: Promise<WgetBinary> | null = null;

/**
 * GNU wget from the Debian package `wget`: PhysioNet honours Basic auth only from a `Wget/` User-Agent,
 * so labgate runs the real program rather than claiming to be it. BusyBox's wget is refused (it has no
 * --no-config, .netrc or cookie jars, so the password would have to go on its command line).
 */
export function findWget({ candidates }: { candidates?: string[] } = {}): Promise<WgetBinary> {
  if (candidates) return locate(candidates);
  cached ??= locate(defaultCandidates()).catch((error: unknown) => {
    cached = null;
    throw error;
  });
  return cached;
}

function defaultCandidates(): string[] {
  const fromPath = (process.env.PATH ?? "").split(path.delimiter).filter((dir) => path.isAbsolute(dir)).map((dir) => path.join(dir, "wget"));
  return [...new Set(["/usr/bin/wget", ...fromPath])];
}

async function locate(candidates: string[]): Promise<WgetBinary> {
  for (const candidate of candidates) {
    const executable = await access(candidate, constants.X_OK).then(() => true, () => false);
    if (!executable) continue;
    const { stdout } = await execFileAsync(candidate, ["--version"], { env: { PATH: process.env.PATH, LC_ALL: "C" } as Record<string, string | undefined> as NodeJS.ProcessEnv, timeout: 10_000 }).catch(() => ({ stdout: "" }));
    const version = /^GNU Wget (\S+)/.exec(stdout)?.[1];
    if (version) return { path: candidate, version };
  }
  throw new Error("GNU wget was not found (install the Debian package `wget`); PhysioNet only accepts credentials from wget");
}
