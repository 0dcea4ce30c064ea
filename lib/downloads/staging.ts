import "server-only";
import { mkdir, rm, statfs } from "node:fs/promises";
import path from "node:path";
import { getEnv } from "@/lib/env";

// Partial and unverified downloads wait here, never in lab storage. The default lies inside the
// local storage root (same file system, so the move into storage is a rename) under a dot-name that
// no storage key can address. Workers on several machines must share it to resume each other's files.

export function stagingRoot(): string {
  const env = getEnv();
  // A runtime setting, not a project file: nothing for the build to trace.
  return path.resolve(/*turbopackIgnore: true*/ env.LABGATE_DOWNLOAD_STAGING_DIR ?? path.join(env.LABGATE_STORAGE_DIR, ".staging"));
}

export function jobStagingDir(root: string, jobId: string): string {
  return path.join(root, "jobs", jobId);
}

export function prepareStagingDir(root: string, jobId: string): string {
  return path.join(root, "prepare", jobId);
}

export async function ensurePrivateDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

export async function removeJobStaging(root: string, jobId: string): Promise<void> {
  await rm(jobStagingDir(root, jobId), { recursive: true, force: true });
  await rm(prepareStagingDir(root, jobId), { recursive: true, force: true });
}

export async function freeBytesAt(dir: string): Promise<number> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await statfs(dir);
  return Number(info.bavail) * Number(info.bsize);
}
