import sharp from "sharp";
import { expect, loginAs, test } from "./support/fixtures";
import { E2E_CXR, E2E_JPG, E2E_VIEWER } from "./support/mimic-data";
import { auditRows } from "./support/viewer";

const thumbnailUrl = (ds: { slug: string; version: string }, dicomId: string) => `/api/datasets/${ds.slug}/${ds.version}/thumbnails/${dicomId}`;

test("the explorer's grid shows server-made thumbnails of the images in lab storage", async ({ page, login }) => {
  const researcher = await login("researcher");
  for (const ds of [E2E_CXR, E2E_JPG]) {
    await page.goto(`/datasets/${ds.slug}/${ds.version}?mode=grid`);
    const tile = page.locator(`[data-testid="study-grid"] li[data-study-id="${E2E_VIEWER.study}"]`);
    const img = tile.getByTestId("study-thumbnail");
    await img.scrollIntoViewIfNeeded();
    await expect.poll(() => img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth)).toBeGreaterThan(0);
    // Only that study has images in lab storage; the others keep their placeholder tile.
    await expect(page.getByTestId("study-thumbnail")).toHaveCount(1);
    await expect(tile.locator("img")).toHaveAttribute("src", thumbnailUrl(ds, E2E_VIEWER.dicom[0].dicomId));
  }
  expect(await auditRows(researcher.id, "image.thumbnail", E2E_VIEWER.dicom[0].dicomId)).toEqual([{ outcome: "ok" }, { outcome: "ok" }]);
});

test("a thumbnail goes only to a granted member, as an uncached JPEG, audited; others get 401/403 and no pixels", async ({ page, lab, login, browser, baseURL }) => {
  const [cr] = E2E_VIEWER.dicom;
  const url = thumbnailUrl(E2E_CXR, cr.dicomId);
  const researcher = await login("researcher");
  const ok = await page.request.get(url);
  expect(ok.status()).toBe(200);
  expect(ok.headers()["content-type"]).toBe("image/jpeg");
  expect(ok.headers()["cache-control"]).toBe("no-store, private");
  expect(ok.headers()["etag"]).toBeUndefined();
  const meta = await sharp(await ok.body()).metadata();
  expect(meta.format).toBe("jpeg");
  expect(Math.max(meta.width!, meta.height!)).toBe(256);
  // Served again from the server's cache: the same bytes, and a second audit row.
  expect(Buffer.compare(await (await page.request.get(url)).body(), await ok.body())).toBe(0);
  expect(await auditRows(researcher.id, "image.thumbnail", cr.dicomId)).toEqual([{ outcome: "ok" }, { outcome: "ok" }]);

  // Not in lab storage: 404, audited as failed.
  const lateralJpg = await page.request.get(thumbnailUrl(E2E_JPG, E2E_VIEWER.dicom[1].dicomId));
  expect(lateralJpg.status()).toBe(404);
  expect(lateralJpg.headers()["cache-control"]).toBe("no-store, private");

  const other = await browser.newContext({ baseURL });
  const otherPage = await other.newPage();
  await loginAs(otherPage, lab.member);
  const denied = await otherPage.request.get(url);
  expect(denied.status()).toBe(403);
  expect(denied.headers()["cache-control"]).toBe("no-store, private");
  expect(denied.headers()["content-type"] ?? "").not.toContain("image/");
  expect((await denied.body()).includes(Buffer.from([0xff, 0xd8, 0xff]))).toBe(false);
  expect(await auditRows(lab.member.id, "image.thumbnail", cr.dicomId)).toEqual([]);
  await other.close();

  const anonymous = await (await browser.newContext({ baseURL })).request.get(url);
  expect(anonymous.status()).toBe(401);
  expect(anonymous.headers()["cache-control"]).toBe("no-store, private");
});
