import "server-only";
import { createReadStream } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
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
    async list(prefix) {
      const folder = `${objectKey(prefix)}/`;
      const keys: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        // No Delimiter: some S3-compatible stores mis-sign an encoded "/" in the query; filtered here instead.
        const out = await client.send(new ListObjectsV2Command({ Bucket, Prefix: folder, ContinuationToken }));
        for (const o of out.Contents ?? []) {
          const name = o.Key?.slice(folder.length);
          if (name && !name.includes("/")) keys.push(`${prefix}/${name}`);
        }
        ContinuationToken = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (ContinuationToken);
      return keys.sort();
    },
    async freeBytes() {
      return null;
    },
  };
}
