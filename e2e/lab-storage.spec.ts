import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import * as schema from "@/db/schema";
import { miniStudies } from "@/tests/mimic/mini-mimic";
import { E2E_STORAGE_DIR } from "../playwright.config";
import { testDb } from "./support/db";
import { expect, test } from "./support/fixtures";
import { E2E_CXR, E2E_VIEWER } from "./support/mimic-data";

// The lab-storage browser (decision 036): a researcher walks PhysioNet's folders down to a verified
// DICOM, opens it in the viewer, and the row's download and API path are the audited routes. The
// route's own rules (access per request, audit, no-store, Range) are tested in tests/downloads/ and
// e2e/route-access.spec.ts; the paging over 377k files in tests/downloads/lab-storage.test.ts.
test("a verified DICOM in lab storage: folders, size, date, SHA-256, opened in the viewer, downloaded, its API path; a study offers to fetch its missing images", async ({ page, lab, login }) => {
  await login("researcher");
  // One DICOM in this lab's storage, as a download leaves it: bytes under a key, a stored_files row.
  const dicom = readFileSync(path.join("tests/fixtures/dicom", E2E_VIEWER.dicom[0].fixture));
  const db = testDb();
  const [image] = (await db.execute<{ path: string }>(sql`select path from mimic_image where dataset_id = ${lab.datasetIds.cxr} and dicom_id = ${E2E_VIEWER.dicom[0].dicomId}`)).rows;
  const file = { path: image!.path, sha256: createHash("sha256").update(dicom).digest("hex") };
  const key = `e2e-storage-browser/${lab.lab.id}/${file.path}`;
  mkdirSync(path.dirname(path.join(E2E_STORAGE_DIR, key)), { recursive: true });
  writeFileSync(path.join(E2E_STORAGE_DIR, key), dicom);
  await db.insert(schema.storedFiles).values({ labId: lab.lab.id, datasetId: lab.datasetIds.cxr, path: file.path, storageKey: key, size: dicom.length, sha256: file.sha256, storedAt: new Date() });
  const parts = file.path.split("/");

  const base = `/datasets/${E2E_CXR.slug}/${E2E_CXR.version}`;
  await page.goto(`${base}/storage`);
  await expect(page.getByTestId("storage-totals")).toContainText("1 verified file,");
  // Down PhysioNet's folders, one link per level: files/ → pNN/ → pNNNNNNNN/ → sNNNNNNNN/.
  for (const folder of parts.slice(0, -1)) await page.getByRole("link", { name: `${folder}/`, exact: true }).click();
  await expect(page.getByTestId("storage-crumbs")).toContainText(parts.slice(0, -1).join(" / "));
  const row = page.locator(`tr[data-file="${file.path}"]`);
  await expect(row).toContainText(file.sha256);
  await expect(row).toContainText(/\d{4}-\d{2}-\d{2}/);
  await expect(row.getByRole("button", { name: "Copy API path" })).toHaveAttribute("data-api-path", `/api/v1/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/files/${file.path}`);

  // Downloaded through the audited route: the bytes that were verified, never cached.
  const href = await row.getByRole("link", { name: /^Download / }).getAttribute("href");
  const res = await page.request.get(href!);
  expect(res.status()).toBe(200);
  expect(res.headers()["cache-control"]).toContain("no-store");
  expect(Buffer.from(await res.body()).equals(dicom)).toBe(true);

  await row.getByRole("link", { name: /^Open / }).click();
  const viewer = page.getByTestId("storage-viewer").getByTestId("viewer");
  await expect(viewer).toHaveAttribute("data-state", "ready");

  // A member without access to the version is refused the page and the file.
  await login("member");
  expect((await page.request.get(href!)).status()).toBe(403);

  // A study whose images are metadata only offers the download job of exactly those images.
  await login("researcher");
  const metadataOnly = miniStudies()[0]!;
  await page.goto(`${base}/studies/s${metadataOnly.study}`);
  const offer = page.getByTestId("fetch-study-images");
  await expect(offer).toContainText("not in lab storage");
  await expect(offer.getByRole("button", { name: "Fetch these images from PhysioNet" })).toBeVisible();
});
