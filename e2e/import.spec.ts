import { randomUUID } from "node:crypto";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import * as schema from "@/db/schema";
import { miniCxrFiles, miniJpgFiles, miniStudies, writeMini } from "@/tests/mimic/mini-mimic";
import { E2E_STORAGE_DIR } from "../playwright.config";
import { testDb } from "./support/db";
import { expect, test } from "./support/fixtures";

test("a steward imports a version directory from lab storage and follows its progress", async ({ page, lab, login, allowConsoleErrors }) => {
  allowConsoleErrors(/status of 400/); // the refused paths below
  // mimic-cxr-jpg 2.1.0: no other test reads it, so this import cannot disturb them.
  const db = testDb();
  const [ds] = await db.select({ id: schema.datasets.id }).from(schema.datasets).where(and(eq(schema.datasets.slug, "mimic-cxr-jpg"), eq(schema.datasets.version, "2.1.0")));
  await db.insert(schema.labDatasets).values({ labId: lab.lab.id, datasetId: ds!.id });
  const run = `import-${randomUUID().slice(0, 8)}`;
  // A 2.1.0 copy carries the files 2.1.0 added (here IMAGE_FILENAMES); 2.0.0's files are refused below.
  const jpg = miniJpgFiles();
  const imageFilenames = miniStudies().flatMap((s) => s.images.map((im) => `files/p${String(s.subject).slice(0, 2)}/p${s.subject}/s${s.study}/${im.dicom}.jpg`));
  writeMini(path.join(E2E_STORAGE_DIR, run, "good"), { ...jpg, IMAGE_FILENAMES: Buffer.from(`${imageFilenames.join("\n")}\n`) });
  writeMini(path.join(E2E_STORAGE_DIR, run, "old"), jpg);
  writeMini(path.join(E2E_STORAGE_DIR, run, "cxr"), await miniCxrFiles());

  await login("steward");
  await page.goto("/datasets");
  await page.getByTestId("datasets").getByRole("row", { name: /2\.1\.0/ }).filter({ hasText: "MIMIC-CXR-JPG" }).getByRole("link", { name: "Import…" }).click();
  await expect(page.getByRole("heading", { name: /Import MIMIC-CXR-JPG.* 2\.1\.0/ })).toBeVisible();
  const dir = page.getByRole("textbox", { name: "Directory in lab storage" });

  await dir.fill("../../etc");
  await page.getByRole("button", { name: "Import" }).click();
  await expect(page.locator("p.error")).toHaveText("Give a path inside lab storage, like mimic-cxr-jpg/2.1.0");
  await dir.fill(`${run}/missing`);
  await page.getByRole("button", { name: "Import" }).click();
  await expect(page.locator("p.error")).toHaveText(`There is no directory ${run}/missing in lab storage`);
  await dir.fill(`${run}/cxr`);
  await page.getByRole("button", { name: "Import" }).click();
  await expect(page.locator("p.error")).toContainText("belongs to MIMIC-CXR (mimic-cxr), not MIMIC-CXR-JPG");

  await dir.fill(`${run}/old`);
  await page.getByRole("button", { name: "Import" }).click();
  await expect(page.locator("p.error")).toContainText("these are version 2.0.0's files, not 2.1.0's");

  await dir.fill(`${run}/good`);
  await page.getByRole("button", { name: "Import" }).click();
  await expect(page.getByTestId("import-status")).toContainText("succeeded");
  await expect(page.getByTestId("import-counts")).toContainText("studies 12");
  const studies = await db.execute<{ n: string }>(sql`select count(*) as n from mimic_study where dataset_id = ${ds!.id}`);
  expect(Number(studies.rows[0]!.n)).toBe(12);
  const audited = await db.execute<{ n: string }>(sql`select count(*) as n from audit_log where actor_id = ${lab.steward.id} and action = 'dataset.import'`);
  expect(Number(audited.rows[0]!.n)).toBe(1);
});

test("a member cannot start an import", async ({ page, login }) => {
  await login("member");
  const res = await page.request.post("/api/datasets/mimic-cxr-jpg/2.0.0/import", { data: { dir: "anything" } });
  expect(res.status()).toBe(403);
});
