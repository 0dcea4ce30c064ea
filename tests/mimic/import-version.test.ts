import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datasets, mimicImports } from "@/db/schema";
import { getDb } from "@/lib/db/client";
import { LABELS } from "@/lib/mimic/import/file-specs";
import { importMimicDirectory } from "@/lib/mimic/import/import-directory";
import { inspectDirectory } from "@/lib/mimic/import/inspect-directory";
import { versionFromPath, versionsInText } from "@/lib/mimic/import/version-evidence";
import { miniCxrFiles, miniJpgFiles, writeMini } from "./mini-mimic";

// An import goes into the version its files say they are: 2.0.0 files never become 2.1.0 or 9.9.9,
// whose DUA signatures are someone else's.

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "labgate-import-version-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const jpg21 = () => ({ ...miniJpgFiles(), IMAGE_FILENAMES: Buffer.from("files/p10/p10000032/s50414267/aaaaaaaa-bbbbbbbb-cccccccc-dddddddd-eeeeeeee.jpg\n") });
const inspect = (dir: string, version: string, project: "mimic-cxr" | "mimic-cxr-jpg" = "mimic-cxr-jpg") => inspectDirectory({ dir, project, version });

describe("an import's version must be the version its files say", () => {
  it("refuses a version PhysioNet never published", async () => {
    const dir = writeMini(path.join(root, "plain"), miniJpgFiles());
    await expect(inspect(dir, "9.9.9")).rejects.toThrow("PhysioNet publishes mimic-cxr-jpg 2.0.0, 2.1.0; there is no version 9.9.9 to import into");
  });

  it("reads the version folder of PhysioNet's layout, and refuses another version or project", async () => {
    expect(versionFromPath("/data/physionet.org/files/mimic-cxr-jpg/2.0.0")).toEqual({ slug: "mimic-cxr-jpg", version: "2.0.0" });
    expect(versionFromPath("/data/copies/2.1.0/")).toEqual({ slug: null, version: "2.1.0" });
    expect(versionFromPath("/tmp/labgate-2.1.0-x/jpg")).toBeNull();
    const v200 = writeMini(path.join(root, "physionet.org/files/mimic-cxr-jpg/2.0.0"), jpg21());
    await expect(inspect(v200, "2.1.0")).rejects.toThrow("the directory is version 2.0.0 by its path (…/mimic-cxr-jpg/2.0.0/), not 2.1.0; import it into mimic-cxr-jpg 2.0.0");
    const cxrFolder = writeMini(path.join(root, "physionet.org/files/mimic-cxr/2.0.0"), miniJpgFiles());
    await expect(inspect(cxrFolder, "2.0.0")).rejects.toThrow("the directory is mimic-cxr 2.0.0 by its path, not mimic-cxr-jpg");
    const v210 = writeMini(path.join(root, "physionet.org/files/mimic-cxr-jpg/2.1.0"), jpg21());
    await expect(inspect(v210, "2.1.0")).resolves.toMatchObject({ imageFilenames: true });
  });

  it("refuses 2.0.0's files as 2.1.0 when SHA256SUMS.txt lists none of the files 2.1.0 added, and 2.1.0's as 2.0.0", async () => {
    const old = writeMini(path.join(root, "old"), miniJpgFiles());
    await expect(inspect(old, "2.1.0")).rejects.toThrow("SHA256SUMS.txt: SHA256SUMS.txt lists none of the files 2.1.0 added (IMAGE_FILENAMES, mimic-cxr-2.1.0-test-set-labeled.csv): these are version 2.0.0's files, not 2.1.0's; import them into mimic-cxr-jpg 2.0.0");
    await expect(inspect(old, "2.0.0")).resolves.toMatchObject({ imageFilenames: false });
    // A copy holding only some files, whose SHA256SUMS.txt lists the 2.1.0 additions, is a 2.1.0 copy.
    const partial = writeMini(path.join(root, "partial"), miniJpgFiles());
    writeFileSync(path.join(partial, "SHA256SUMS.txt"), `${"0".repeat(64)} IMAGE_FILENAMES\n`);
    await expect(inspect(partial, "2.0.0")).rejects.toThrow(/IMAGE_FILENAMES: this file first shipped with version 2\.1\.0/);
    await expect(inspect(partial, "2.1.0")).resolves.toBeDefined();
    const cxrOld = writeMini(path.join(root, "cxr-old"), await miniCxrFiles());
    await expect(inspect(cxrOld, "2.1.0", "mimic-cxr")).rejects.toThrow(/lists none of the files 2\.1\.0 added \(cxr-provider-list\.csv\.gz\)/);
    const withNewFile = writeMini(path.join(root, "new-file"), { ...miniJpgFiles(), IMAGE_FILENAMES: Buffer.from("x\n") }, { sums: false });
    await expect(inspect(withNewFile, "2.0.0")).rejects.toThrow(/IMAGE_FILENAMES: this file first shipped with version 2\.1\.0/);
    const labeled = writeMini(path.join(root, "labeled"), { ...miniJpgFiles(), "mimic-cxr-2.1.0-test-set-labeled.csv": Buffer.from(`study_id,${LABELS.join(",")}\n`) });
    await expect(inspect(labeled, "2.1.0")).resolves.toBeDefined();
  });

  it("refuses a LICENSE.txt naming another version of the project", async () => {
    expect(versionsInText("See https://physionet.org/content/mimic-cxr-jpg/2.0.0/ and physionet.org/files/mimic-cxr/2.1.0/", "mimic-cxr-jpg")).toEqual(["2.0.0"]);
    const dir = writeMini(path.join(root, "license"), jpg21());
    writeFileSync(path.join(dir, "LICENSE.txt"), "PhysioNet Credentialed Health Data License 1.5.0\nhttps://physionet.org/content/mimic-cxr-jpg/2.0.0/\n");
    await expect(inspect(dir, "2.1.0")).rejects.toThrow("LICENSE.txt: LICENSE.txt is the license of mimic-cxr-jpg 2.0.0, not 2.1.0");
    writeFileSync(path.join(dir, "LICENSE.txt"), "PhysioNet Credentialed Health Data License 1.5.0\nhttps://physionet.org/content/mimic-cxr-jpg/2.1.0/\n");
    await expect(inspect(dir, "2.1.0")).resolves.toBeDefined();
  });

  it("a 9.9.9 row left by the old settings form imports nothing", async () => {
    const [legacy] = await getDb().insert(datasets).values({ slug: "mimic-cxr-jpg", version: "9.9.9", title: "legacy", duaName: "x", duaVersion: "1" }).onConflictDoNothing().returning();
    const ds = legacy ?? (await getDb().select().from(datasets).where(eq(datasets.version, "9.9.9")))[0]!;
    const dir = writeMini(path.join(root, "physionet.org/files/mimic-cxr-jpg/2.0.0-copy"), miniJpgFiles());
    await expect(importMimicDirectory({ dir, dataset: ds })).rejects.toThrow(/there is no version 9\.9\.9/);
    expect(await getDb().select().from(mimicImports).where(eq(mimicImports.datasetId, ds.id))).toEqual([]);
  });
});
