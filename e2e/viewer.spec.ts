import { readFileSync } from "node:fs";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import type { Page } from "@playwright/test";
import * as schema from "@/db/schema";
import { testDb } from "./support/db";
import { expect, loginAs, test } from "./support/fixtures";
import { E2E_CXR, E2E_JPG, E2E_VIEWER } from "./support/mimic-data";

// Reference renderings (pydicom + GDCM) of the fixture files at their default window.
type Reference = { file: string; rows: number; columns: number; display_mean: number };
const REFERENCES = readFileSync("tests/fixtures/dicom/references.jsonl", "utf8")
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l) as Reference);
const reference = (file: string) => REFERENCES.find((r) => r.file === file)!;

// The canvas shows the image scaled to fit; a downscaled mean stays within this many gray levels of
// the full-resolution mean (cornerstone's linear window also rounds slightly differently from pydicom).
const MEAN_TOLERANCE = 3;

/** Red channel of the image's area on the viewer canvas (fit to window, centred, as cornerstone draws it). */
async function canvasImagePixels(page: Page, image: { rows: number; columns: number }): Promise<{ pixels: number[]; width: number }> {
  return page.locator('[data-testid="viewer-image"] canvas').evaluate((canvas: HTMLCanvasElement, { rows, columns }) => {
    const ctx = canvas.getContext("2d")!;
    const scale = Math.min(canvas.width / columns, canvas.height / rows);
    const w = Math.floor(columns * scale) - 6;
    const h = Math.floor(rows * scale) - 6;
    const x0 = Math.ceil((canvas.width - columns * scale) / 2) + 3;
    const y0 = Math.ceil((canvas.height - rows * scale) / 2) + 3;
    const data = ctx.getImageData(x0, y0, w, h).data;
    const out: number[] = [];
    for (let i = 0; i < data.length; i += 4) out.push(data[i]!);
    return { pixels: out, width: w };
  }, image);
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

/** Waits until cornerstone has drawn more often than `after` times. */
async function renderedAfter(page: Page, after: number): Promise<number> {
  const viewer = page.getByTestId("viewer");
  await expect(viewer).toHaveAttribute("data-state", "ready");
  await expect.poll(async () => Number(await viewer.getAttribute("data-renders"))).toBeGreaterThan(after);
  return Number(await viewer.getAttribute("data-renders"));
}

async function imageViews(userId: string, dicomId: string): Promise<{ outcome: string }[]> {
  const r = await testDb().execute<{ outcome: string }>(sql`select outcome from audit_log where actor_id = ${userId} and action = 'image.view' and target_id = ${dicomId} order by id`);
  return r.rows;
}

test("a researcher opens a study's DICOMs in the viewer, with the reference windowing, presets and invert", async ({ page, login }) => {
  const researcher = await login("researcher");
  const [cr, mr] = E2E_VIEWER.dicom;
  await page.goto(`/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/studies/${E2E_VIEWER.study}`);
  const table = page.getByTestId("study-images");
  await expect(table.getByRole("button", { name: "View" })).toHaveCount(2);

  // MONOCHROME1 CR, 10 bits: header window c=550 w=1024, shown inverted.
  await table.locator(`tr[data-dicom-id="${cr.dicomId}"]`).getByRole("button", { name: "View" }).click();
  let renders = await renderedAfter(page, 0);
  const crRef = reference(cr.fixture);
  const { pixels: initial } = await canvasImagePixels(page, crRef);
  expect(Math.abs(mean(initial) - crRef.display_mean)).toBeLessThan(MEAN_TOLERANCE);
  await expect(page.getByTestId("viewer-watermark")).toContainText(researcher.email);
  await expect(page.getByTestId("viewer-status")).toContainText("Window C 550 / W 1024");

  // Another window from the preset menu redraws the pixels.
  await page.getByLabel("Window preset").selectOption({ label: "Full range (C 512 / W 1024)" });
  renders = await renderedAfter(page, renders);
  const { pixels: fullRange } = await canvasImagePixels(page, crRef);
  const changed = fullRange.filter((v, i) => v !== initial[i]).length;
  expect(changed / fullRange.length).toBeGreaterThan(0.5);
  await expect(page.getByTestId("viewer-status")).toContainText("Window C 512 / W 1024");

  // Reset, then invert: every gray level g becomes 255 − g.
  await page.getByRole("button", { name: "Reset" }).click();
  renders = await renderedAfter(page, renders);
  expect(Math.abs(mean((await canvasImagePixels(page, crRef)).pixels) - crRef.display_mean)).toBeLessThan(MEAN_TOLERANCE);
  await page.getByRole("button", { name: "Invert" }).click();
  renders = await renderedAfter(page, renders);
  expect(Math.abs(mean((await canvasImagePixels(page, crRef)).pixels) - (255 - crRef.display_mean))).toBeLessThan(MEAN_TOLERANCE);

  // Dragging with the window/level tool widens the window; the wheel zooms.
  const box = (await page.getByTestId("viewer-image").boundingBox())!;
  const before = (await canvasImagePixels(page, crRef)).pixels;
  await page.mouse.move(box.x + 100, box.y + 100);
  await page.mouse.down();
  await page.mouse.move(box.x + 160, box.y + 100, { steps: 4 });
  await page.mouse.up();
  await expect(page.getByTestId("viewer-status")).not.toContainText("W 1024");
  await renderedAfter(page, renders);
  expect((await canvasImagePixels(page, crRef)).pixels.filter((v, i) => v !== before[i]).length).toBeGreaterThan(before.length / 4);
  await page.mouse.wheel(0, -100);
  await expect(page.getByTestId("viewer-status")).toContainText(/zoom (3[2-9]|[4-9]\d)%/);

  // The value under the cursor is the stored value of that pixel in the file.
  await page.mouse.move(box.x + box.width / 2 + 17, box.y + box.height / 2 - 23);
  await expect(page.getByTestId("viewer-status")).toContainText("raw");
  const [, col, row, raw] = /\((\d+), (\d+)\) raw (\d+)/.exec((await page.getByTestId("viewer-status").textContent())!)!;
  // Read straight from the file: Implicit VR LE, 16 bits allocated, 10 stored, Pixel Data last.
  const file = readFileSync(path.join("tests/fixtures/dicom", cr.fixture));
  const pixelStart = file.length - crRef.rows * crRef.columns * 2;
  expect(file.readUInt32LE(pixelStart - 8)).toBe(0x00107fe0);
  expect(Number(raw)).toBe(file.readUInt16LE(pixelStart + 2 * (Number(row) * crRef.columns + Number(col))) & 0x3ff);

  // MONOCHROME2 MR, 12 bits, with its rescale: window c=1000 w=2000.
  await table.locator(`tr[data-dicom-id="${mr.dicomId}"]`).getByRole("button", { name: "View" }).click();
  await expect(page.getByTestId("viewer")).toHaveAttribute("aria-label", new RegExp(mr.dicomId));
  await renderedAfter(page, 0);
  const mrRef = reference(mr.fixture);
  expect(Math.abs(mean((await canvasImagePixels(page, mrRef)).pixels) - mrRef.display_mean)).toBeLessThan(MEAN_TOLERANCE);

  // One audit row per fetch of the image bytes.
  expect(await imageViews(researcher.id, cr.dicomId)).toEqual([{ outcome: "ok" }]);
  expect(await imageViews(researcher.id, mr.dicomId)).toEqual([{ outcome: "ok" }]);
});

test("a JPG image is shown in the same viewer", async ({ page, login }) => {
  await login("researcher");
  await page.goto(`/datasets/${E2E_JPG.slug}/${E2E_JPG.version}/studies/${E2E_VIEWER.study}`);
  const table = page.getByTestId("study-images");
  // The lateral image of this study was not copied to lab storage.
  await expect(table.getByText("not in lab storage")).toHaveCount(1);
  await table.getByRole("button", { name: "View" }).click();
  await renderedAfter(page, 0);
  const { width, height } = E2E_VIEWER.jpg;
  const { pixels, width: rowWidth } = await canvasImagePixels(page, { rows: height, columns: width });
  // The file is a left-to-right gradient 0…255, shown at its full range.
  const left = pixels.filter((_, i) => i % rowWidth < rowWidth / 8);
  const right = pixels.filter((_, i) => i % rowWidth > (rowWidth * 7) / 8);
  expect(mean(left)).toBeLessThan(40);
  expect(mean(right)).toBeGreaterThan(215);
});

test("image bytes go only to a granted member, uncached, audited, and stop when access is revoked", async ({ page, lab, login, browser, baseURL }) => {
  const [cr] = E2E_VIEWER.dicom;
  const url = `/api/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/images/${cr.dicomId}`;
  const researcher = await login("researcher");

  const ok = await page.request.get(url);
  expect(ok.status()).toBe(200);
  expect(ok.headers()["content-type"]).toBe("application/dicom");
  expect(ok.headers()["cache-control"]).toBe("no-store, private");
  expect(ok.headers()["content-disposition"]).toBe("inline");
  expect(ok.headers()["etag"]).toBeUndefined();
  expect(ok.headers()["last-modified"]).toBeUndefined();
  expect(Buffer.compare(await ok.body(), readFileSync(path.join("tests/fixtures/dicom", cr.fixture)))).toBe(0);
  expect(await imageViews(researcher.id, cr.dicomId)).toEqual([{ outcome: "ok" }]);

  // An image whose file was never copied to lab storage: a clear 404, still audited.
  const lateral = `/api/datasets/${E2E_JPG.slug}/${E2E_JPG.version}/images/${E2E_VIEWER.dicom[1].dicomId}`;
  const missing = await page.request.get(lateral);
  expect(missing.status()).toBe(404);
  expect(((await missing.json()) as { error: string }).error).toMatch(/not in lab storage/);
  expect(missing.headers()["cache-control"]).toContain("no-store");
  expect(await imageViews(researcher.id, E2E_VIEWER.dicom[1].dicomId)).toEqual([{ outcome: "failed" }]);
  expect((await page.request.get(`/api/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/images/..%2F..%2Fetc%2Fpasswd`)).status()).toBe(400);

  // A member of the same lab without a grant: 403, a JSON refusal and not one byte of the image.
  const other = await browser.newContext({ baseURL });
  const otherPage = await other.newPage();
  await loginAs(otherPage, lab.member);
  const denied = await otherPage.request.get(url);
  expect(denied.status()).toBe(403);
  expect(denied.headers()["content-type"] ?? "").not.toContain("dicom");
  const deniedBody = await denied.body();
  expect(deniedBody.length).toBeLessThan(4096);
  expect(deniedBody.includes(Buffer.from("DICM"))).toBe(false);
  expect(await imageViews(lab.member.id, cr.dicomId)).toEqual([]);
  await other.close();

  // Revoking the researcher's grant takes the image away on the very next request.
  await testDb()
    .update(schema.accessGrants)
    .set({ status: "revoked" })
    .where(and(eq(schema.accessGrants.userId, researcher.id), eq(schema.accessGrants.datasetId, lab.datasetIds.cxr)));
  const revoked = await page.request.get(url);
  expect(revoked.status()).toBe(403);
  expect((await revoked.body()).includes(Buffer.from("DICM"))).toBe(false);
  expect(await imageViews(researcher.id, cr.dicomId)).toEqual([{ outcome: "ok" }]);
});
