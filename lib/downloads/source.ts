import "server-only";
import { readFile } from "node:fs/promises";
import { getEnv } from "@/lib/env";

/** Where files come from: PhysioNet, or the test upstream in tests, benchmarks and the demo. */
export type PhysionetSource = { baseUrl: string; caCertificate: string | null };

/** The worker's source: PHYSIONET_BASE_URL (and PHYSIONET_CA_FILE for a self-signed test upstream). */
export async function sourceFromEnv(): Promise<PhysionetSource> {
  const env = getEnv();
  return { baseUrl: env.PHYSIONET_BASE_URL, caCertificate: env.PHYSIONET_CA_FILE ? await readFile(env.PHYSIONET_CA_FILE, "utf8") : null };
}

export function versionUrl(source: PhysionetSource, ref: { slug: string; version: string }): string {
  return `${source.baseUrl.replace(/\/+$/, "")}/files/${ref.slug}/${ref.version}/`;
}

/** URL of one file; each segment is percent-encoded (MIMIC's names never need it, but nothing else may reach wget raw). */
export function fileUrl(source: PhysionetSource, ref: { slug: string; version: string }, filePath: string): string {
  return versionUrl(source, ref) + filePath.split("/").map(encodeURIComponent).join("/");
}

/** How many leading URL path segments wget's --cut-dirs must drop so files land at their relative path. */
export function cutDirs(source: PhysionetSource): number {
  const prefix = new URL(source.baseUrl).pathname.split("/").filter(Boolean).length;
  return prefix + 3; // files/<slug>/<version>
}
