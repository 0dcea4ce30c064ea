import { readFileSync } from "node:fs";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import sharp from "sharp";
import * as schema from "@/db/schema";
import { testDb } from "./support/db";
import { expect, loginAs, test } from "./support/fixtures";
import { E2E_CXR, E2E_JPG, E2E_VIEWER } from "./support/mimic-data";
import { readPng } from "@/tests/dicom/support/png";
import { auditRows, canvasImagePixels, canvasRgba, tintedPixels, imageViews, mean, MEAN_TOLERANCE, reference, renderedAfter } from "./support/viewer";

test("a researcher opens a study's DICOMs in the viewer, with the reference windowing, presets and invert", async ({ page, login }) => {
  const researcher = await login("researcher");
  const [cr, mr] = E2E_VIEWER.dicom;
  await page.goto(`/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/studies/${E2E_VIEWER.study}`);
  const table = page.getByTestId("study-images");
  await expect(table.getByRole("button", { name: "View" })).toHaveCount(2);

  // MONOCHROME1 CR, 10 bits: header window c=550 w=1024, shown inverted.
  await table.locator(`tr[data-dicom-id="${cr.dicomId}"]`).getByRole("button", { name: "View" }).click();
  let renders = await renderedAfter(page, 0);
  // Cornerstone's first frame was the image's own copy at the fitted 1 in 2, and the full image was
  // drawn after it; what is measured below is the full image. The route's preview picture (?fit=)
  // was asked for, and is gone once cornerstone has drawn.
  const image = page.getByTestId("viewer-image");
  await expect(image).toHaveAttribute("data-opening", "copy 2");
  await expect.poll(() => auditRows(researcher.id, "image.preview", cr.dicomId)).toEqual([{ outcome: "ok" }]);
  await expect(page.getByTestId("viewer-preview")).toHaveCount(0);
  await expect(image).toHaveAttribute("data-full-render-ms", /^\d+$/);
  expect(Number(await image.getAttribute("data-full-render-ms"))).toBeGreaterThan(Number(await page.getByTestId("viewer").getAttribute("data-first-render-ms")));
  // Parsed and decoded off the page's thread.
  await expect(page.getByTestId("viewer")).toHaveAttribute("data-decoded-in", "worker");
  const crRef = reference(cr.fixture);
  const { pixels: initial } = await canvasImagePixels(page, crRef);
  expect(Math.abs(mean(initial) - crRef.display_mean)).toBeLessThan(MEAN_TOLERANCE);
  // The watermark is drawn into the canvas itself: in its pixels (what a copied or saved canvas
  // holds) and in a screenshot, naming the viewer and the time; the HTML stand-in is gone.
  const [who, when] = (await image.getAttribute("data-watermark"))!.split("\n");
  expect(who).toBe(`${researcher.name} · ${researcher.email}`);
  expect(when).toMatch(/^viewed [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} UTC — DUA: do not copy or share$/);
  await expect(page.getByTestId("viewer-watermark")).toHaveCount(0);
  expect(tintedPixels(await canvasRgba(page.getByTestId("viewer")), 4)).toBeGreaterThan(150);
  const shot = await sharp(await image.screenshot()).raw().toBuffer({ resolveWithObject: true });
  expect(tintedPixels(shot.data, shot.info.channels)).toBeGreaterThan(150);
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
  // Fitted at under half size, the drag redraws a copy with one pixel in 2×2; release brings back the full image.
  await expect(page.getByTestId("viewer-image")).toHaveAttribute("data-reduced", "2");
  await page.mouse.up();
  await expect(page.getByTestId("viewer-image")).not.toHaveAttribute("data-reduced", /./);
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

  // Two fingers pinch: spreading them from 100 to 200 px doubles the zoom; lifting them ends it.
  const image = page.getByTestId("viewer-image");
  const zoom = async () => Number(/zoom (\d+)%/.exec((await page.getByTestId("viewer-status").textContent())!)![1]);
  const start = await zoom();
  const box = (await image.boundingBox())!;
  const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
  const finger = (type: string, pointerId: number, x: number) => image.dispatchEvent(type, { pointerId, pointerType: "touch", isPrimary: pointerId === 1, clientX: x, clientY: cy, bubbles: true });
  await finger("pointerdown", 1, cx - 50);
  await finger("pointerdown", 2, cx + 50);
  await finger("pointermove", 2, cx + 100);
  await finger("pointermove", 1, cx - 100);
  await expect.poll(zoom).toBeGreaterThanOrEqual(Math.floor(start * 2) - 1);
  expect(await zoom()).toBeLessThanOrEqual(Math.ceil(start * 2) + 1);
  await finger("pointerup", 2, cx + 100);
  await finger("pointerup", 1, cx - 100);
  // A finger moving alone afterwards is no pinch: the zoom stays.
  await finger("pointermove", 3, cx);
  expect(Math.abs((await zoom()) - start * 2)).toBeLessThanOrEqual(1);
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

  // The viewer's first picture: the same file reduced and windowed, as guarded, uncached and audited (as a preview).
  const reduced = await page.request.get(`${url}?fit=768x512`);
  expect(reduced.status()).toBe(200);
  expect(reduced.headers()["content-type"]).toBe("image/png");
  expect(reduced.headers()["cache-control"]).toBe("no-store, private");
  // 1760×1760 fitted into 768×512 keeps one pixel in 2×2, shown as the viewer shows the file: the
  // header's window, inverted (MONOCHROME1).
  const png = readPng(new Uint8Array(await reduced.body()));
  expect({ width: png.width, height: png.height, channels: png.channels }).toEqual({ width: 880, height: 880, channels: 1 });
  expect(Math.abs(mean([...png.data]) - reference(cr.fixture).display_mean)).toBeLessThan(MEAN_TOLERANCE);
  expect(await auditRows(researcher.id, "image.preview", cr.dicomId)).toEqual([{ outcome: "ok" }]);
  expect((await page.request.get(`${url}?fit=huge`)).status()).toBe(400);
  // Already small enough for the box: no copy, and a clear word why.
  const fits = await page.request.get(`${url}?fit=4000x4000`);
  expect(fits.status()).toBe(204);
  expect(fits.headers()["x-labgate-reason"]).toMatch(/already fits/);
  const jpgUrl = `/api/datasets/${E2E_JPG.slug}/${E2E_JPG.version}/images/${E2E_VIEWER.jpg.dicomId}`;
  const notReducible = await page.request.get(`${jpgUrl}?fit=64x64`);
  expect(notReducible.status()).toBe(204);
  expect((await notReducible.body()).length).toBe(0);
  // (The JPG shares the CR's DICOM id, in the other dataset: its preview row comes after the CR's.)
  expect(await auditRows(researcher.id, "image.preview", E2E_VIEWER.jpg.dicomId)).toEqual([{ outcome: "ok" }, { outcome: "failed" }, { outcome: "failed" }]);
  expect(await imageViews(researcher.id, cr.dicomId)).toEqual([{ outcome: "ok" }]);

  // An image whose file was never copied to lab storage: a clear 404, still audited.
  const lateral = `/api/datasets/${E2E_JPG.slug}/${E2E_JPG.version}/images/${E2E_VIEWER.dicom[1].dicomId}`;
  const missing = await page.request.get(lateral);
  expect(missing.status()).toBe(404);
  expect(((await missing.json()) as { error: string }).error).toMatch(/not in lab storage/);
  expect(missing.headers()["cache-control"]).toBe("no-store, private");
  expect(await imageViews(researcher.id, E2E_VIEWER.dicom[1].dicomId)).toEqual([{ outcome: "failed" }]);
  const traversal = await page.request.get(`/api/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/images/..%2F..%2Fetc%2Fpasswd`);
  expect(traversal.status()).toBe(400);
  expect(traversal.headers()["cache-control"]).toBe("no-store, private");

  // A member of the same lab without a grant: 403, a JSON refusal and not one byte of the image.
  const other = await browser.newContext({ baseURL });
  const otherPage = await other.newPage();
  await loginAs(otherPage, lab.member);
  const denied = await otherPage.request.get(url);
  expect(denied.status()).toBe(403);
  // The refusal comes from the auth chokepoint (forbidden()), not the handler; it must not be cached either.
  expect(denied.headers()["cache-control"]).toBe("no-store, private");
  expect(denied.headers()["content-type"] ?? "").not.toContain("dicom");
  const deniedBody = await denied.body();
  expect(deniedBody.length).toBeLessThan(4096);
  expect(deniedBody.includes(Buffer.from("DICM"))).toBe(false);
  expect(await imageViews(lab.member.id, cr.dicomId)).toEqual([]);
  const deniedPreview = await otherPage.request.get(`${url}?fit=768x512`);
  expect(deniedPreview.status()).toBe(403);
  expect((await deniedPreview.body()).includes(Buffer.from("PNG"))).toBe(false);
  await other.close();

  // Revoking the researcher's grant takes the image away on the very next request.
  await testDb()
    .update(schema.accessGrants)
    .set({ status: "revoked" })
    .where(and(eq(schema.accessGrants.userId, researcher.id), eq(schema.accessGrants.datasetId, lab.datasetIds.cxr)));
  const revoked = await page.request.get(url);
  expect(revoked.status()).toBe(403);
  expect(revoked.headers()["cache-control"]).toBe("no-store, private");
  expect((await revoked.body()).includes(Buffer.from("DICM"))).toBe(false);
  expect((await page.request.get(`${url}?fit=768x512`)).status()).toBe(403);
  expect(await imageViews(researcher.id, cr.dicomId)).toEqual([{ outcome: "ok" }]);
});

test("PA and lateral side by side, each with its own tools, its DICOM header beside it and a scale bar that follows the zoom", async ({ page, login }) => {
  const researcher = await login("researcher");
  const [cr, mr] = E2E_VIEWER.dicom;
  await page.goto(`/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/studies/${E2E_VIEWER.study}`);
  const viewers = page.getByTestId("viewer");
  // The study page opens its frontal image by itself.
  await expect(viewers).toHaveCount(1);
  await expect(viewers.first()).toHaveAttribute("aria-label", new RegExp(cr.dicomId));
  await renderedAfter(page, 0, viewers.first());

  await page.getByRole("button", { name: "1×2" }).click();
  await expect(page.getByTestId("viewer-layout")).toHaveAttribute("data-layout", "1x2");
  await expect(viewers).toHaveCount(2);
  const [left, right] = [viewers.nth(0), viewers.nth(1)];
  await expect(right).toHaveAttribute("aria-label", new RegExp(mr.dicomId));
  const rightRenders = await renderedAfter(page, 0, right);
  const mrRef = reference(mr.fixture);
  const crRef = reference(cr.fixture);

  // Each viewport has its own tools: inverting the lateral leaves the PA (MONOCHROME1, shown inverted) as it was.
  const leftStatus = await left.getByTestId("viewer-status").textContent();
  await expect(right.getByTestId("viewer-status")).not.toContainText("inverted");
  await right.getByRole("button", { name: "Invert" }).click();
  await renderedAfter(page, rightRenders, right);
  await expect(right.getByTestId("viewer-status")).toContainText("inverted");
  await expect(left.getByTestId("viewer-status")).toHaveText(leftStatus!);
  expect(Math.abs(mean((await canvasImagePixels(page, mrRef, right)).pixels) - (255 - mrRef.display_mean))).toBeLessThan(MEAN_TOLERANCE);
  expect(Math.abs(mean((await canvasImagePixels(page, crRef, left)).pixels) - crRef.display_mean)).toBeLessThan(MEAN_TOLERANCE);

  // The header panel: every element with VR and keyword, searchable, pixel data described only.
  const header = right.getByTestId("dicom-header");
  await expect(header.locator('tr[data-tag="(0028,0030)"]')).toContainText("PixelSpacing");
  await expect(header.locator('tr[data-tag="(0028,0030)"]')).toContainText("0.195313\\0.195313");
  await right.getByLabel("Search the DICOM header").fill("spacing");
  await expect(header.locator("tbody tr").first()).toBeVisible();
  for (const text of await header.locator("tbody tr").allTextContents()) expect(text.toLowerCase()).toContain("spacing");
  await right.getByLabel("Search the DICOM header").fill("7fe00010");
  await expect(header.locator("tbody tr")).toHaveCount(1);
  await expect(header).toContainText("pixel data, not shown");
  await expect(left.getByTestId("dicom-header").locator('tr[data-tag="(0028,0004)"]')).toContainText("MONOCHROME1");

  // Scale bar from PixelSpacing (0.195313 mm): screen pixels per mm = zoom / spacing, and it follows the wheel.
  const overlay = right.getByTestId("viewer-overlay");
  const pxPerMm = async () => Number(await overlay.getAttribute("data-scale-px")) / Number(await overlay.getAttribute("data-scale-mm"));
  const zoom = async () => Number(/zoom (\d+)%/.exec((await right.getByTestId("viewer-status").textContent())!)![1]) / 100;
  await expect(overlay).toHaveAttribute("data-scale-mm", /^\d/);
  const before = await pxPerMm();
  expect(Math.abs(before / ((await zoom()) / 0.195313) - 1)).toBeLessThan(0.03);
  const box = (await right.getByTestId("viewer-image").boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, -100);
  await page.mouse.wheel(0, -100);
  await expect.poll(pxPerMm).toBeGreaterThan(before * 1.15);
  expect(Math.abs((await pxPerMm()) / ((await zoom()) / 0.195313) - 1)).toBeLessThan(0.03);
  // The CR has no pixel spacing, so it gets no bar rather than a made-up one.
  await expect(left.getByTestId("viewer-overlay")).not.toHaveAttribute("data-scale-mm", /./);

  // Each image fetched (and audited) once, although both were shown in turn.
  expect(await imageViews(researcher.id, cr.dicomId)).toEqual([{ outcome: "ok" }]);
  expect(await imageViews(researcher.id, mr.dicomId)).toEqual([{ outcome: "ok" }]);

  // Back to one viewport: the one last worked in stays.
  await page.getByRole("button", { name: "1×1" }).click();
  await expect(viewers).toHaveCount(1);
  await expect(viewers.first()).toHaveAttribute("aria-label", new RegExp(mr.dicomId));
});

test("the study page paints its first image's preview from the HTML alone, under the watermark", async ({ browser, baseURL, lab }) => {
  // No script at all: what is on screen came with the page's HTML and the preview's request.
  const context = await browser.newContext({ baseURL, javaScriptEnabled: false });
  const page = await context.newPage();
  await loginAs(page, lab.researcher);
  await page.goto(`/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/studies/${E2E_VIEWER.study}`);
  const preview = page.getByTestId("viewer-preview");
  await expect(preview).toBeVisible();
  await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(880);
  // Windowed as the viewer shows the CR (header window, MONOCHROME1 inverted), fitted in the box.
  const shot = await sharp(await preview.screenshot({ type: "png" })).greyscale().raw().toBuffer({ resolveWithObject: true });
  const box = (await preview.boundingBox())!;
  const side = Math.min(box.width, box.height);
  const [x0, y0] = [Math.round((box.width - side) / 2) + 4, Math.round((box.height - side) / 2) + 4];
  const inside: number[] = [];
  for (let y = y0; y < y0 + side - 8; y += 2) for (let x = x0; x < x0 + side - 8; x += 2) inside.push(shot.data[(y * shot.info.width + x) * shot.info.channels]!);
  expect(Math.abs(mean(inside) - reference(E2E_VIEWER.dicom[0].fixture).display_mean)).toBeLessThan(MEAN_TOLERANCE * 2);
  await expect(page.getByTestId("viewer-watermark")).toContainText(lab.researcher.email);
  expect(await auditRows(lab.researcher.id, "image.preview", E2E_VIEWER.dicom[0].dicomId)).toEqual([{ outcome: "ok" }]);
  await context.close();
});
