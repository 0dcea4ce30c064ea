import "server-only";
import { createReadStream } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsCommand, PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { eachLimited } from "@/lib/each-limited";
import { assertStorageKey, type FileStorage } from "./file-storage";

export type S3StorageOptions = {
  /** Omit for AWS itself; set for MinIO, Ceph, a university's object store (path-style addressing). */
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Prepended to every key, e.g. "labgate/" to share a bucket. */
  prefix?: string;
};

function isMissing(e: unknown): boolean {
  return e instanceof S3ServiceException && (e.$metadata.httpStatusCode === 404 || e.name === "NoSuchKey" || e.name === "NotFound");
}

/**
 * Lab storage in an S3-compatible bucket. An object becomes visible only when its PUT completes, so
 * the "no partial file" rule holds without a rename. Partial downloads stay in the local staging
 * directory until verified (lib/downloads/staging.ts).
 */
export function createS3Storage(opts: S3StorageOptions): FileStorage {
  const client = new S3Client({
    region: opts.region,
    endpoint: opts.endpoint,
    forcePathStyle: Boolean(opts.endpoint),
    credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
    // The SDK's default CRC trailers on streamed PUTs are not understood by many S3-compatible
    // stores (MinIO before 2024, Ceph, s3rver); labgate verifies SHA-256 itself before uploading.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const Bucket = opts.bucket;
  const objectKey = (key: string) => {
    assertStorageKey(key);
    return `${opts.prefix ?? ""}${key}`;
  };

  return {
    kind: "s3",
    async put(key, bytes) {
      await client.send(new PutObjectCommand({ Bucket, Key: objectKey(key), Body: bytes, ContentLength: bytes.byteLength }));
    },
    async get(key) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket, Key: objectKey(key) }));
        return Buffer.from(await out.Body!.transformToByteArray());
      } catch (e) {
        if (isMissing(e)) return null;
        throw e;
      }
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: objectKey(key) }));
    },
    async putFile(key, sourcePath) {
      const { size } = await stat(sourcePath);
      // Streamed from disk: memory stays flat whatever the file size (single PUT up to 5 GB; MIMIC's largest file is far below).
      await client.send(new PutObjectCommand({ Bucket, Key: objectKey(key), Body: createReadStream(sourcePath), ContentLength: size }));
      await rm(sourcePath, { force: true });
    },
    async putFiles(items) {
      // Each PUT is its own commit: nothing to share but the connections.
      const results: (Error | null)[] = items.map(() => null);
      await eachLimited(items.length, 8, (i) => this.putFile(items[i]!.key, items[i]!.sourcePath).catch((e: unknown) => void (results[i] = e instanceof Error ? e : new Error(String(e)))));
      return results;
    },
    async stat(key) {
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket, Key: objectKey(key) }));
        return { size: Number(out.ContentLength ?? 0) };
      } catch (e) {
        if (isMissing(e)) return null;
        throw e;
      }
    },
    async openRead(key, range) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket, Key: objectKey(key), Range: range ? `bytes=${range.start}-${range.end}` : undefined }));
        const body = out.Body;
        if (!body) return null;
        return body instanceof Readable ? body : Readable.fromWeb(body.transformToWebStream() as import("node:stream/web").ReadableStream);
      } catch (e) {
        if (isMissing(e)) return null;
        throw e;
      }
    },
    async freeBytes() {
      return null;
    },
    async list(prefix) {
      const found: { key: string; size: number }[] = [];
      const base = opts.prefix ?? "";
      // ListObjects (v1, with markers) rather than v2: every S3-compatible store answers it alike.
      let Marker: string | undefined;
      do {
        const command = new ListObjectsCommand({ Bucket, Prefix: `${base}${prefix}`, Marker });
        // The SDK addresses the bucket as "/bucket/"; some stores (s3rver, the tests' stand-in) sign
        // it as "/bucket" and refuse the signature. Both name the same bucket on every S3 store.
        command.middlewareStack.add(
          (next) => (args) => {
            const request = args.request as { path?: string };
            if (request.path === `/${Bucket}/`) request.path = `/${Bucket}`;
            return next(args);
          },
          { step: "build" },
        );
        const out = await client.send(command);
        const keys = (out.Contents ?? []).filter((o) => o.Key);
        for (const o of keys) found.push({ key: o.Key!.slice(base.length), size: Number(o.Size ?? 0) });
        Marker = out.IsTruncated ? (out.NextMarker ?? keys.at(-1)?.Key) : undefined;
      } while (Marker);
      return found;
    },
  };
}
