import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mimicImports } from "@/db/schema";
import { getDb } from "@/lib/db/client";
import { findDataset } from "@/lib/mimic/import/import-directory";
import { locateImage, resolveImageFile } from "@/lib/mimic/images/locate-image";
import { miniStudies } from "../mimic/mini-mimic";

// mimic-cxr 2.1.0 is used by no other test file, so this file owns its image rows. They are written
// here rather than through an import: import.test.ts counts the importer's partition tables, and
// files run in parallel against one database.
let root: string;
let dir: string;
let datasetId: string;
const studies = miniStudies();
const s = studies[1]!;
const folder = `files/p${String(s.subject).slice(0, 2)}/p${s.subject}/s${s.study}`;
const present = s.images[0]!.dicom;
const alsoPresent = s.images[1]!.dicom;
const absent = studies[2]!.images[0]!.dicom;

function writeImages(to: string) {
  mkdirSync(path.join(to, folder), { recursive: true });
  for (const id of [present, alsoPresent]) writeFileSync(path.join(to, folder, `${id}.dcm`), "not really an image");
  return to;
}

async function recordImport(sourceDir: string, status: "succeeded" | "unchanged", at: Date) {
  await getDb().insert(mimicImports).values({ datasetId, sourceDir, status, fingerprint: "same-files", startedAt: at, finishedAt: at });
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "labgate-locate-"));
  dir = writeImages(path.join(root, "cxr"));
  const ds = await findDataset({ slug: "mimic-cxr", version: "2.1.0" });
  if (!ds) throw new Error("reference dataset mimic-cxr 2.1.0 missing");
  datasetId = ds.id;
  await getDb().execute(sql.raw(`create table if not exists mimic_image_locate_test partition of mimic_image for values in ('${datasetId}')`));
  for (const [id, local] of [[present, true], [alsoPresent, true], [absent, false]] as const) {
    await getDb().execute(sql`
      insert into mimic_image (dataset_id, dicom_id, study_id, subject_id, path, present_locally)
      values (${datasetId}, ${id}, ${s.study}, ${s.subject}, ${`${folder}/${id}.dcm`}, ${local})`);
  }
  await recordImport(dir, "succeeded", new Date(Date.now() - 60_000));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A row whose path the import did not write (as a hostile or corrupt CSV could). */
async function addImageRow(dicomId: string, relPath: string) {
  await getDb().execute(sql`
    insert into mimic_image (dataset_id, dicom_id, study_id, subject_id, path, present_locally)
    values (${datasetId}, ${dicomId}, ${s.study}, ${s.subject}, ${relPath}, true)`);
}

describe("locateImage", () => {
  it("finds an image present in the import's source directory", async () => {
    const found = await locateImage({ datasetId, dicomId: present });
    expect(found).toEqual({ filePath: path.join(dir, folder, `${present}.dcm`), contentType: "application/dicom", size: Buffer.byteLength("not really an image") });
  });

  it("returns null for an image that was not in lab storage, an unknown id and a malformed id", async () => {
    expect(await locateImage({ datasetId, dicomId: absent })).toBeNull();
    expect(await locateImage({ datasetId, dicomId: "00000000-00000000-00000000-00000000-00000000" })).toBeNull();
    expect(await locateImage({ datasetId, dicomId: "../../etc/passwd" })).toBeNull();
  });

  it("returns null once the file has gone from lab storage", async () => {
    const file = path.join(dir, folder, `${alsoPresent}.dcm`);
    expect(await locateImage({ datasetId, dicomId: alsoPresent })).not.toBeNull();
    unlinkSync(file);
    expect(await locateImage({ datasetId, dicomId: alsoPresent })).toBeNull();
  });

  it("refuses a path that climbs out of the source directory", async () => {
    writeFileSync(path.join(root, "outside.dcm"), "secret");
    const id = "aaaaaaaa-bbbbbbbb-cccccccc-dddddddd-00000001";
    await addImageRow(id, "../outside.dcm");
    expect(await locateImage({ datasetId, dicomId: id })).toBeNull();
    const id2 = "aaaaaaaa-bbbbbbbb-cccccccc-dddddddd-00000002";
    await addImageRow(id2, `files/../../outside.dcm`);
    expect(await locateImage({ datasetId, dicomId: id2 })).toBeNull();
    const id3 = "aaaaaaaa-bbbbbbbb-cccccccc-dddddddd-00000003";
    await addImageRow(id3, path.join(root, "outside.dcm"));
    expect(await locateImage({ datasetId, dicomId: id3 })).toBeNull();
  });

  it("refuses a symlink inside the source directory that points outside it", async () => {
    writeFileSync(path.join(root, "linked.dcm"), "secret");
    mkdirSync(path.join(dir, "files/links"), { recursive: true });
    symlinkSync(path.join(root, "linked.dcm"), path.join(dir, "files/links/evil.dcm"));
    const id = "aaaaaaaa-bbbbbbbb-cccccccc-dddddddd-00000004";
    await addImageRow(id, "files/links/evil.dcm");
    expect(await locateImage({ datasetId, dicomId: id })).toBeNull();
    // The same file reached without leaving the directory is served.
    writeFileSync(path.join(dir, "files/links/fine.jpg"), "jpeg");
    const id5 = "aaaaaaaa-bbbbbbbb-cccccccc-dddddddd-00000005";
    await addImageRow(id5, "files/links/fine.jpg");
    expect(await locateImage({ datasetId, dicomId: id5 })).toMatchObject({ contentType: "image/jpeg", size: 4 });
  });
});

describe("resolveImageFile", () => {
  it("refuses other file types, directories and the root itself", async () => {
    writeFileSync(path.join(dir, "notes.txt"), "x");
    mkdirSync(path.join(dir, "folder.dcm"), { recursive: true });
    expect(await resolveImageFile(dir, "notes.txt")).toBeNull();
    expect(await resolveImageFile(dir, "folder.dcm")).toBeNull();
    expect(await resolveImageFile(dir, ".dcm")).toBeNull();
    expect(await resolveImageFile(path.join(root, "does-not-exist"), `${folder}/${present}.dcm`)).toBeNull();
    expect(await resolveImageFile(dir, `${folder}/${present}.dcm`)).not.toBeNull();
  });
});

describe("locateImage after an unchanged re-import", () => {
  it("reads from the newest directory holding the same files, and falls back to the older one", async () => {
    const moved = writeImages(path.join(root, "moved"));
    await recordImport(moved, "unchanged", new Date());
    expect((await locateImage({ datasetId, dicomId: alsoPresent }))?.filePath).toBe(path.join(moved, folder, `${alsoPresent}.dcm`));
    expect((await locateImage({ datasetId, dicomId: present }))?.filePath).toBe(path.join(moved, folder, `${present}.dcm`));
    rmSync(moved, { recursive: true });
    expect((await locateImage({ datasetId, dicomId: present }))?.filePath).toBe(path.join(dir, folder, `${present}.dcm`));
  });
});
