import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startTicks, wipeStaleWgetDirs } from "@/lib/physionet/wget/private-root";
import { filesContaining, isGone } from "../downloads/secret-scan";
import { makeServedVersion, SLUG, VERSION } from "./served-version";
import { startUpstream } from "@/lib/physionet/upstream/start-upstream";

// "Verify with PhysioNet" whose process is killed with SIGKILL while wget waits for PhysioNet:
// wget dies with it, and no file anywhere holds the password (decision 019).

const root = await mkdtemp(path.join(os.tmpdir(), "labgate-wgetroot-"));
const served = await makeServedVersion();
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await served.cleanup();
});

describe("a Verify with PhysioNet whose process is killed", () => {
  it("takes its wget with it, strands no password, and its folder is wiped by the next start", { timeout: 90_000 }, async () => {
    const account = { username: `kill${randomUUID().slice(0, 6)}`, password: `pw-${randomUUID()}-s3cr et:#$'"\\&x` };
    // PhysioNet that takes a minute to answer: wget is surely mid-request when its parent dies.
    const upstream = await startUpstream({ projects: [{ slug: SLUG, version: VERSION, root: served.root }], accounts: [{ ...account, access: [{ slug: SLUG, version: VERSION }] }], port: 0, faults: { firstByteDelayMs: 60_000 } });
    const child = spawn(process.execPath, ["--import", "tsx", "tests/physionet/verify-child.ts", upstream.url, account.username], {
      env: { ...process.env, LABGATE_WGET_DIR: root },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.stdin.end(`${account.password}\n`);
    try {
      const until = Date.now() + 60_000;
      while (!/^wget \d+ /m.test(out) && Date.now() < until && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      const [, pid, dir] = /^wget (\d+) (\S+)$/m.exec(out) ?? [];
      expect(pid, out).toBeDefined();
      // wget is talking to PhysioNet (the request arrived) when its parent is killed.
      while (upstream.stats.requests === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(await isGone(Number(pid))).toBe(false);
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));

      const deadline = Date.now() + 5_000;
      while (!(await isGone(Number(pid))) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await isGone(Number(pid)), "wget outlived its parent").toBe(true);

      // The dead process's folder is still there (nobody ran its cleanup), holding no secret.
      expect(existsSync(dir!)).toBe(true);
      expect(await filesContaining([root, os.tmpdir()], account.password)).toEqual([]);

      // The next start wipes it, and keeps a folder of a live process (this one).
      const live = path.join(root, `${process.pid}.${await startTicks(process.pid)}-live`);
      await mkdir(live, { mode: 0o700 });
      const wiped = await wipeStaleWgetDirs({ root });
      expect(wiped.removed).toContain(dir);
      expect(existsSync(dir!)).toBe(false);
      expect(existsSync(live)).toBe(true);
    } finally {
      child.kill("SIGKILL");
      await upstream.close();
    }
  });

  it("wipes labgate's earlier wgetrc folders in the system temp directory once they are old", async () => {
    const legacy = await mkdtemp(path.join(os.tmpdir(), "labgate-wget-"));
    const fresh = await mkdtemp(path.join(os.tmpdir(), "labgate-wget-"));
    await import("node:fs/promises").then(async ({ writeFile, utimes }) => {
      await writeFile(path.join(legacy, "wgetrc"), "user = x\npassword = old-secret\n", { mode: 0o600 });
      const old = new Date(Date.now() - 3 * 3_600_000);
      await utimes(legacy, old, old);
    });
    try {
      const wiped = await wipeStaleWgetDirs({ root });
      expect(wiped.removed).toContain(legacy);
      expect(existsSync(legacy)).toBe(false);
      // One of two hours or less may still belong to a running wget of the earlier version.
      expect(existsSync(fresh)).toBe(true);
      expect(await readFile(path.join(legacy, "wgetrc"), "utf8").catch(() => null)).toBeNull();
    } finally {
      await rm(legacy, { recursive: true, force: true });
      await rm(fresh, { recursive: true, force: true });
    }
  });
});
