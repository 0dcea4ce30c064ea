import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { text } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listFolderKeys, type FileStorage } from "@/lib/storage/file-storage";
import { createLocalStorage } from "@/lib/storage/local-storage";
import { createS3Storage } from "@/lib/storage/s3-storage";

// The same contract for both backends: the local directory and S3-compatible object storage,
// the latter against @20minutes/s3rver on loopback.

let tmp: string;
let s3rver: { close(): Promise<void> } | null = null;
const backends: Record<string, () => FileStorage> = {};

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "labgate-storage-"));
  const { default: S3rver } = await import("@20minutes/s3rver");
  // allowMismatchedSignatures: s3rver computes another signature than the SDK for bucket-level
  // requests (ListObjectsV2) and refuses every listing; object requests are unaffected.
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: path.join(tmp, "s3rver"),
    configureBuckets: [{ name: "labgate-test" }],
    allowMismatchedSignatures: true,
  });
  const address = await server.run();
  s3rver = server;
  backends.local = () => createLocalStorage({ root: path.join(tmp, "local") });
  backends.s3 = () =>
    createS3Storage({ endpoint: `http://127.0.0.1:${address.port}`, region: "us-east-1", bucket: "labgate-test", accessKeyId: "S3RVER", secretAccessKey: "S3RVER", prefix: "lab/" });
});
afterAll(async () => {
  await s3rver?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe.each(["local", "s3"])("%s storage", (name) => {
  it("puts, reads whole and by range, stats and deletes", async () => {
    const storage = backends[name]!();
    const key = `downloads/mimic-cxr/2.0.0/files/p10/p10000032/s50414267/${name}.dcm`;
    const bytes = Buffer.from("0123456789abcdefghij");
    await storage.put(key, bytes);
    expect(await storage.get(key)).toEqual(bytes);
    expect(await storage.stat(key)).toEqual({ size: 20 });
    expect(await text((await storage.openRead(key, { start: 5, end: 9 }))!)).toBe("56789");
    expect(await text((await storage.openRead(key))!)).toBe("0123456789abcdefghij");
    await storage.delete(key);
    expect(await storage.get(key)).toBeNull();
    expect(await storage.stat(key)).toBeNull();
    expect(await storage.openRead(key)).toBeNull();
    await storage.delete(key); // deleting a missing key is fine
  });

  it("moves a finished file in (consuming the source) and accepts MIMIC's upper-case names", async () => {
    const storage = backends[name]!();
    const source = path.join(tmp, `${name}-staged.bin`);
    await writeFile(source, "verified bytes");
    await storage.putFile("downloads/mimic-cxr-jpg/2.1.0/IMAGE_FILENAMES", source);
    expect((await storage.get("downloads/mimic-cxr-jpg/2.1.0/IMAGE_FILENAMES"))?.toString()).toBe("verified bytes");
    await expect(readFile(source)).rejects.toThrow(/ENOENT/);
  });

  it("moves a group of finished files in, one result each: a refused key fails alone", async () => {
    const storage = backends[name]!();
    const items = await Promise.all(
      ["a", "b", "c"].map(async (n) => {
        const sourcePath = path.join(tmp, `${name}-group-${n}.bin`);
        await writeFile(sourcePath, `bytes of ${n}`);
        return { key: `group/${n === "c" ? "p1" : "p0"}/${n}.txt`, sourcePath };
      }),
    );
    const refused = { key: "group/../escape.txt", sourcePath: path.join(tmp, `${name}-group-refused.bin`) };
    await writeFile(refused.sourcePath, "never stored");
    const results = await storage.putFiles([items[0]!, refused, items[1]!, items[2]!]);
    expect(results.map((r) => (r ? r.message : null))).toEqual([null, expect.stringMatching(/invalid storage key/), null, null]);
    for (const [i, n] of ["a", "b", "c"].entries()) {
      expect((await storage.get(items[i]!.key))?.toString()).toBe(`bytes of ${n}`);
      await expect(readFile(items[i]!.sourcePath)).rejects.toThrow(/ENOENT/);
    }
    // The refused file stays where it was, for the caller's retry.
    expect((await readFile(refused.sourcePath)).toString()).toBe("never stored");
  });

  it("lists the files directly under a prefix, sorted, and nothing for a missing one", async () => {
    const storage = backends[name]!();
    expect(await listFolderKeys(storage, "listed")).toEqual([]);
    await storage.put("listed/b.json", Buffer.from("b"));
    await storage.put("listed/a.json", Buffer.from("a"));
    await storage.put("listed/deeper/c.json", Buffer.from("c"));
    await storage.put("listed-not/d.json", Buffer.from("d"));
    expect(await listFolderKeys(storage, "listed")).toEqual(["listed/a.json", "listed/b.json"]);
    expect((await storage.list("listed/")).map((o) => o.key).sort()).toEqual(["listed/a.json", "listed/b.json", "listed/deeper/c.json"]);
  });

  it("refuses keys that could leave the storage", async () => {
    const storage = backends[name]!();
    for (const key of ["../etc/passwd", "a/../../b", "/abs", ".staging/x", "a//b", "a b"]) await expect(storage.put(key, Buffer.from("x"))).rejects.toThrow(/invalid storage key/);
  });
});

describe("local storage", () => {
  it("never shows a half-written file: put writes beside the target and renames", async () => {
    const root = path.join(tmp, "atomic");
    const storage = createLocalStorage({ root });
    await storage.put("a/b.txt", Buffer.alloc(1_000_000, 1));
    expect(await readdir(path.join(root, "a"))).toEqual(["b.txt"]);
    expect(await storage.freeBytes()).toBeGreaterThan(0);
  });

  it("object storage cannot tell free space", async () => {
    expect(await backends.s3!().freeBytes()).toBeNull();
  });
});
