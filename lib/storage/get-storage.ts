import "server-only";
import path from "node:path";
import { getEnv, type Env } from "@/lib/env";
import type { FileStorage } from "./file-storage";
import { createLocalStorage } from "./local-storage";
import { createS3Storage } from "./s3-storage";

let storage: FileStorage | undefined;

/** The storage configured by the environment (LABGATE_STORAGE_BACKEND), created once per process. */
export function getStorage(): FileStorage {
  storage ??= storageFromEnv(getEnv());
  return storage;
}

export function storageFromEnv(env: Env): FileStorage {
  if (env.LABGATE_STORAGE_BACKEND === "local") return createLocalStorage({ root: env.LABGATE_STORAGE_DIR || path.join("data", "storage") });
  const missing = (["LABGATE_S3_BUCKET", "LABGATE_S3_ACCESS_KEY_ID", "LABGATE_S3_SECRET_ACCESS_KEY"] as const).filter((name) => !env[name]);
  if (missing.length > 0) throw new Error(`labgate: LABGATE_STORAGE_BACKEND=s3 needs ${missing.join(", ")} (see .env.example)`);
  return createS3Storage({
    endpoint: env.LABGATE_S3_ENDPOINT,
    region: env.LABGATE_S3_REGION,
    bucket: env.LABGATE_S3_BUCKET!,
    accessKeyId: env.LABGATE_S3_ACCESS_KEY_ID!,
    secretAccessKey: env.LABGATE_S3_SECRET_ACCESS_KEY!,
  });
}
