import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { writeSha256Sums } from "@/lib/physionet/sha256-sums";
import type { UpstreamAccount } from "@/lib/physionet/upstream/accounts";
import { startUpstream, type StartUpstreamOptions, type Upstream } from "@/lib/physionet/upstream/start-upstream";

export const SLUG = "mimic-cxr";
export const VERSION = "2.0.0";
export const PREFIX = `/files/${SLUG}/${VERSION}`;

// Passwords with characters that a shell or a URL would mangle, so a leak or a mis-quote shows.
export const ALICE: UpstreamAccount = { username: "alice", password: "s3cr et:#$'\"\\&x", access: [{ slug: SLUG, version: VERSION }] };
export const BOB: UpstreamAccount = { username: "bobby", password: "bobs-password-2", access: [{ slug: SLUG, version: "2.1.0" }] };

export type ServedVersion = { root: string; image: Buffer; cleanup(): Promise<void> };

/** A tiny version directory shaped like MIMIC-CXR: license, a record list, one image, a long name, SHA256SUMS.txt. */
export async function makeServedVersion(): Promise<ServedVersion> {
  const root = await mkdtemp(path.join(os.tmpdir(), "labgate-pn-"));
  const image = randomBytes(300_000);
  await mkdir(path.join(root, "files/p10/p10000032/s50414267"), { recursive: true });
  await writeFile(path.join(root, "LICENSE.txt"), "PhysioNet Credentialed Health Data License 1.5.0\n");
  await writeFile(path.join(root, "RECORDS.txt"), "files/p10/p10000032/s50414267/\n");
  await writeFile(path.join(root, "files/p10/p10000032/s50414267/02aa804e.dcm"), image);
  await writeFile(path.join(root, "files/p10/p10000032/s50414267.txt"), "FINAL REPORT\n no acute process\n");
  await writeFile(path.join(root, `files/${"a".repeat(60)}.txt`), "long name\n");
  await writeSha256Sums({ root });
  return { root, image, cleanup: () => rm(root, { recursive: true, force: true }) };
}

export async function startTestUpstream({ root, ...options }: { root: string } & Partial<StartUpstreamOptions>): Promise<Upstream> {
  return startUpstream({ projects: [{ slug: SLUG, version: VERSION, root }], accounts: [ALICE, BOB], port: 0, ...options });
}

export function basic({ username, password }: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}

/**
 * The usual fixture: one served version and one upstream for the whole file, started before its
 * tests and stopped after. Read `.served` / `.upstream` inside tests (they exist once beforeAll ran).
 */
export function servedUpstreamFixture(): { readonly served: ServedVersion; readonly upstream: Upstream } {
  let served: ServedVersion | undefined;
  let upstream: Upstream | undefined;
  beforeAll(async () => {
    served = await makeServedVersion();
    upstream = await startTestUpstream({ root: served.root });
  });
  afterAll(async () => {
    await upstream?.close();
    await served?.cleanup();
  });
  return {
    get served() {
      return served!;
    },
    get upstream() {
      return upstream!;
    },
  };
}
