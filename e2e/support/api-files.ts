import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import * as schema from "@/db/schema";
import { E2E_STORAGE_DIR } from "../../playwright.config";
import { testDb } from "./db";

export type SeededFile = { path: string; sha256: string; bytes: Buffer };

/**
 * Puts every image of a dataset version into this lab's storage as a download would leave it: the
 * bytes under a key of the lab's own (other specs destroy the shared download keys) and a
 * stored_files row with their real SHA-256. Random bytes: the API serves files, it does not look in.
 */
export async function seedStoredImages(opts: { labId: string; datasetId: string; bytesEach: number; bytesFor?: (path: string) => Buffer }): Promise<SeededFile[]> {
  const db = testDb();
  const images = await db.execute<{ path: string }>(sql`select path from mimic_image where dataset_id = ${opts.datasetId} order by path`);
  const files: SeededFile[] = [];
  for (const { path: p } of images.rows) {
    const bytes = opts.bytesFor?.(p) ?? randomBytes(opts.bytesEach);
    const key = `e2e-api/${opts.labId}/${p}`;
    mkdirSync(path.dirname(path.join(E2E_STORAGE_DIR, key)), { recursive: true });
    writeFileSync(path.join(E2E_STORAGE_DIR, key), bytes);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    await db.insert(schema.storedFiles).values({ labId: opts.labId, datasetId: opts.datasetId, path: p, storageKey: key, size: bytes.length, sha256, storedAt: new Date() });
    files.push({ path: p, sha256, bytes });
  }
  return files;
}

/** A saved cohort of the whole dataset version, as the explorer's "Save as cohort" makes one. */
export async function seedCohort(opts: { labId: string; datasetId: string; createdBy: string; name: string; split?: unknown }): Promise<string> {
  const [row] = await testDb()
    .insert(schema.mimicCohorts)
    .values({ labId: opts.labId, datasetId: opts.datasetId, name: opts.name, query: "", studyCount: 12, createdBy: opts.createdBy, split: opts.split ?? null })
    .returning({ id: schema.mimicCohorts.id });
  return row!.id;
}
