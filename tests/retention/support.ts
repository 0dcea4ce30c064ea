import { randomBytes, randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { datasets, downloadJobs, labDatasets, mimicCohorts, storedFiles } from "@/db/schema";
import type { CurrentUser } from "@/lib/auth/current-user";
import { getDb } from "@/lib/db/client";
import { storageKeyFor } from "@/lib/downloads/paths";
import { jobStagingDir, stagingRoot } from "@/lib/downloads/staging";
import { createLab, createUser, credentialMember } from "@/lib/factories";
import { locateImage } from "@/lib/mimic/images/locate-image";
import { importMimicDirectory } from "@/lib/mimic/import/import-directory";
import { writeSyntheticVersion } from "@/lib/mimic/synth/write-version";
import type { FileStorage } from "@/lib/storage/file-storage";
import { getThumbnail } from "@/lib/thumbnails/thumbnail-cache";

const DAY_MS = 86_400_000;

export type HeldLab = {
  labId: string;
  datasetId: string;
  ref: { slug: string; version: string };
  steward: CurrentUser;
  steward2: CurrentUser;
  admin: CurrentUser;
  member: CurrentUser;
  /** Every file the fixture stored, as the destruction lists it ("<where>:<path>"), with its size. */
  expected: { path: string; size: number }[];
};

async function person(labId: string, role: "steward" | "admin" | "member"): Promise<CurrentUser> {
  const u = await createUser(getDb(), { labId, role });
  return { id: u.id, email: u.email, name: u.name, role: u.role, labId };
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/**
 * A lab holding its own MIMIC-CXR-shaped version with everything a copy leaves behind: verified
 * downloads in lab storage and their catalog rows (as the download finisher writes them), an import
 * of them (rows in the partitioned tables), rendered thumbnails, a cohort, a failed job's staging
 * leftover, and a member with access. `importFrom` "storage": the local storage folder is imported
 * in place; "copy": a separate import directory in lab storage (the S3 case: the import reads disk).
 */
export async function heldVersion(opts: { storage: FileStorage; storageDir: string; srcDir: string; importFrom: "storage" | "copy" }): Promise<HeldLab> {
  const db = getDb();
  const lab = await createLab(db);
  // The real version, so the importer takes the files as what they are (it refuses files whose
  // folder names another version); the test file has a database of its own, so no other lab holds it.
  const ref = { slug: "mimic-cxr", version: "2.0.0" };
  const [ds] = await db.select().from(datasets).where(and(eq(datasets.slug, ref.slug), eq(datasets.version, ref.version)));
  await db.insert(labDatasets).values({ labId: lab.id, datasetId: ds!.id, retentionDays: 365, addedAt: new Date(Date.now() - 400 * DAY_MS) });
  const steward = await person(lab.id, "steward");
  const steward2 = await person(lab.id, "steward");
  const admin = await person(lab.id, "admin");
  const member = await person(lab.id, "member");
  await credentialMember(db, { labId: lab.id, userId: member.id, stewardId: steward.id, datasetIds: [ds!.id] });

  const expected: { path: string; size: number }[] = [];
  // The synthetic files, as PhysioNet would serve them (layout of MIMIC-CXR 2.0.0).
  const src = path.join(opts.srcDir, ref.version);
  await writeSyntheticVersion({ out: src, project: "mimic-cxr", version: "2.0.0", studies: 6, images: 3, seed: 11 });
  const [job] = await db
    .insert(downloadJobs)
    .values({ labId: lab.id, userId: member.id, datasetId: ds!.id, selection: {}, description: "everything", state: "failed", createdAt: new Date(), updatedAt: new Date() })
    .returning({ id: downloadJobs.id });
  for (const abs of await walk(src)) {
    const rel = path.relative(src, abs).split(path.sep).join("/");
    const bytes = await readFile(abs);
    const key = storageKeyFor(ref, rel);
    await opts.storage.put(key, bytes);
    await db.insert(storedFiles).values({ labId: lab.id, datasetId: ds!.id, path: rel, storageKey: key, size: bytes.length, sha256: "0".repeat(64), jobId: job!.id, storedAt: new Date() });
    expected.push({ path: `${opts.storage.kind}:${key}`, size: bytes.length });
  }
  // A partial file a failed transfer left in staging.
  const partial = path.join(jobStagingDir(stagingRoot(), job!.id), "files", "partial.dcm.part");
  await mkdir(path.dirname(partial), { recursive: true });
  await writeFile(partial, randomBytes(1234));
  expected.push({ path: `file:${partial}`, size: 1234 });

  let importDir: string;
  if (opts.importFrom === "storage") {
    importDir = path.join(opts.storageDir, "downloads", ref.slug, ref.version);
  } else {
    importDir = path.join(opts.storageDir, "imports", ref.slug, ref.version);
    await writeSyntheticVersion({ out: importDir, project: "mimic-cxr", version: "2.0.0", studies: 6, images: 3, seed: 11 });
    for (const abs of await walk(importDir)) expected.push({ path: `file:${abs}`, size: (await stat(abs)).size });
  }
  const result = await importMimicDirectory({ dir: importDir, dataset: { id: ds!.id, slug: ref.slug, version: "2.0.0" } });
  if (result.status !== "succeeded") throw new Error(`import ${result.status}`);

  const images = await db.execute<{ dicom_id: string }>(sql`select dicom_id from mimic_image where dataset_id = ${ds!.id} and present_locally order by dicom_id`);
  if (images.rows.length === 0) throw new Error("the import found no local images");
  for (const { dicom_id } of images.rows) {
    const located = await locateImage({ datasetId: ds!.id, dicomId: dicom_id });
    const thumb = await getThumbnail({ image: located!, datasetId: ds!.id });
    if (!thumb.ok) throw new Error(thumb.reason);
  }
  // One in the layout from before per-version folders, which retention finds by its key.
  const legacy = await getThumbnail({ image: (await locateImage({ datasetId: ds!.id, dicomId: images.rows[0]!.dicom_id }))! });
  if (!legacy.ok) throw new Error(legacy.reason);
  const thumbDir = path.join(opts.storageDir, ".labgate-cache", "thumbnails");
  for (const abs of await walk(thumbDir)) expected.push({ path: `file:${abs}`, size: (await stat(abs)).size });
  await db.insert(mimicCohorts).values({ labId: lab.id, datasetId: ds!.id, name: "all studies", query: "", studyCount: 6, createdBy: member.id });
  return { labId: lab.id, datasetId: ds!.id, ref, steward, steward2, admin, member, expected };
}

export { walk, randomUUID };
