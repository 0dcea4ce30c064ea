import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UpstreamAccount } from "@/lib/physionet/upstream/accounts";
import { startUpstream, type Upstream } from "@/lib/physionet/upstream/start-upstream";
import { runWget } from "@/lib/physionet/wget/run-wget";
import { makeServedVersion, PREFIX, SLUG, VERSION, type ServedVersion } from "./served-version";

// Each wget labgate runs gets its credentials through a .netrc FIFO of its own private folder. Many
// run at once (lanes, workers): each must get its own account's password, never a neighbour's.
const ACCOUNTS: UpstreamAccount[] = Array.from({ length: 6 }, (_, i) => ({ username: `par${i}user`, password: `pw ${i}:#$'"\\&-${i * 7919}`, access: [{ slug: SLUG, version: VERSION }] }));
const FILES = ["SHA256SUMS.txt", "LICENSE.txt", "files/p10/p10000032/s50414267/02aa804e.dcm", "files/p10/p10000032/s50414267.txt"];

const sha = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

let served: ServedVersion;
let upstream: Upstream;
let work: string;
beforeAll(async () => {
  served = await makeServedVersion();
  upstream = await startUpstream({ projects: [{ slug: SLUG, version: VERSION, root: served.root }], accounts: ACCOUNTS, port: 0 });
  work = await mkdtemp(path.join(os.tmpdir(), "labgate-wget-par-"));
});
afterAll(async () => {
  await upstream?.close();
  await served?.cleanup();
  await rm(work, { recursive: true, force: true });
});

function listRun(i: number, password: string) {
  const out = path.join(work, `out-${i}`);
  return runWget({
    args: ["--tries=1", "--force-directories", "--no-host-directories", "--cut-dirs=3", `--directory-prefix=${out}`],
    urls: FILES.map((f) => `${upstream.url}${PREFIX}/${f}`),
    credentials: { username: ACCOUNTS[i]!.username, password },
    timeoutMs: 30_000,
  }).then((run) => ({ run, out }));
}

describe("wget runs with credentials, many at once", () => {
  it("gives every parallel run its own account's password (one wrong password fails only its own run)", async () => {
    const wrong = 3;
    const runs = await Promise.all(ACCOUNTS.map((a, i) => listRun(i, i === wrong ? `${a.password}-not` : a.password)));
    for (const [i, { run, out }] of runs.entries()) {
      if (i === wrong) {
        expect(run.exitCode).toBe(6);
        continue;
      }
      expect(run.exitCode, `run ${i}: ${run.messages.join(" | ")}`).toBe(0);
      // Compared as digests: a deep equality over a 300 KB Buffer takes vitest seconds per file.
      for (const f of FILES) expect(sha(await readFile(path.join(out, f))), `run ${i}: ${f}`).toBe(sha(await readFile(path.join(served.root, f))));
    }
  });

  it("refuses credentials with an --input-file of the caller's, whose hosts would get none (was: a silent 401, wget exit 6)", async () => {
    const list = path.join(work, "list.txt");
    await writeFile(list, `${upstream.url}${PREFIX}/LICENSE.txt\n`);
    const credentials = { username: ACCOUNTS[0]!.username, password: ACCOUNTS[0]!.password };
    for (const args of [["-i", list], [`--input-file=${list}`], [`-i${list}`]]) {
      await expect(runWget({ args: ["--tries=1", ...args], credentials, timeoutMs: 15_000 })).rejects.toThrow(/as `urls`/);
    }
    // The same list given as `urls` reaches the file.
    const run = await runWget({ args: ["--tries=1", "-O", path.join(work, "license.txt")], urls: [`${upstream.url}${PREFIX}/LICENSE.txt`], credentials, timeoutMs: 15_000 });
    expect(run.exitCode).toBe(0);
  });
});
