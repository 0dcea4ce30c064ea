import { createHash, randomBytes } from "node:crypto";
import { appendFile, mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { followHash } from "@/lib/downloads/transfer/follow-hash";
import { followedMatch } from "@/lib/downloads/transfer/verifier";

const dir = await mkdtemp(path.join(os.tmpdir(), "labgate-follow-"));
afterAll(() => rm(dir, { recursive: true, force: true }));
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const claimed = (bytes: Buffer) => ({ path: "files/x.dcm", sha256: sha(bytes), attempts: 0, checksumFailures: 0, size: bytes.length, touched: false });

describe("hashing a file while wget appends to it", () => {
  it("follows a file that appears late and grows in pieces, and hashes exactly its bytes", async () => {
    const file = path.join(dir, "growing.dcm");
    const parts = Array.from({ length: 12 }, () => randomBytes(700_000));
    const follower = followHash(file);
    await sleep(60);
    for (const part of parts) {
      await appendFile(file, part);
      await sleep(5);
    }
    const result = await follower.finish();
    expect(result).toEqual({ size: 12 * 700_000, sha256: sha(Buffer.concat(parts)), sizeAtStart: 0 });
  });

  it("started late on a file that was not in staging (the caller says it began empty), covers it from its first byte and is trusted after one 200", async () => {
    const file = path.join(dir, "late.dcm");
    const whole = randomBytes(2_500_000);
    // wget wrote part of it before following began (a file of unknown size followed after a while).
    await writeFile(file, whole.subarray(0, 1_200_000));
    const follower = followHash(file, { sizeAtStart: 0 });
    await appendFile(file, whole.subarray(1_200_000));
    const result = await follower.finish();
    expect(result).toEqual({ size: whole.length, sha256: sha(whole), sizeAtStart: 0 });
    expect(await followedMatch(claimed(whole), { hash: Promise.resolve(result), okResponses: 1 })).toEqual({ size: whole.length, sha256: sha(whole) });
  });

  it("reads what a previous worker left first, then the appended rest (a Range resume)", async () => {
    const file = path.join(dir, "resumed.dcm");
    const whole = randomBytes(3_000_000);
    await writeFile(file, whole.subarray(0, 1_000_000));
    const follower = followHash(file);
    await appendFile(file, whole.subarray(1_000_000));
    const result = await follower.finish();
    expect(result?.sha256).toBe(sha(whole));
    expect(result?.sizeAtStart).toBeGreaterThan(0);
    // 206 answers only: the followed hash stands.
    expect(await followedMatch(claimed(whole), { hash: Promise.resolve(result), okResponses: 0 })).toEqual({ size: whole.length, sha256: sha(whole) });
  });

  it("is not trusted when wget may have truncated and rewritten the file (a 200 into a non-empty file, or two 200s)", async () => {
    const file = path.join(dir, "rewritten.dcm");
    const good = randomBytes(2_000_000);
    await writeFile(file, good.subarray(0, 500_000));
    const follower = followHash(file);
    await sleep(50);
    // The server ignored the Range: wget starts over from byte 0.
    await truncate(file, 0);
    await appendFile(file, good);
    const result = await follower.finish();
    expect(result).not.toBeNull();
    expect(await followedMatch(claimed(good), { hash: Promise.resolve(result), okResponses: 1 })).toBeNull();
    expect(await followedMatch(claimed(good), { hash: Promise.resolve({ ...result!, sizeAtStart: 0 }), okResponses: 2 })).toBeNull();
    // A single 200 into a file that was empty when following began is a plain download.
    expect(await followedMatch(claimed(good), { hash: Promise.resolve({ size: good.length, sha256: sha(good), sizeAtStart: 0 }), okResponses: 1 })).not.toBeNull();
  });

  it("never reports a mismatch from the followed view: a wrong hash is re-read in full by the verifier", async () => {
    const bytes = randomBytes(1000);
    expect(await followedMatch(claimed(bytes), { hash: Promise.resolve({ size: 1000, sha256: "0".repeat(64), sizeAtStart: 0 }), okResponses: 0 })).toBeNull();
    expect(await followedMatch(claimed(bytes), { hash: Promise.reject(new Error("EIO")), okResponses: 0 })).toBeNull();
  });

  it("gives nothing for a file that never appeared, and stops when told to", async () => {
    expect(await followHash(path.join(dir, "never.dcm")).finish()).toBeNull();
    const stopped = followHash(path.join(dir, "stopped.dcm"));
    stopped.stop();
    expect(await stopped.finish()).toBeNull();
  });
});
