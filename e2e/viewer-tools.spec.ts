import type { Locator, Page } from "@playwright/test";
import { expect, test } from "./support/fixtures";
import { E2E_CXR, E2E_VIEWER } from "./support/mimic-data";
import { canvasImagePixels, canvasRgba, mean, renderedAfter } from "./support/viewer";
import { CINE, multiFrameCine } from "@/tests/dicom/support/multi-frame";

// One journey through the viewer's tools on a study whose lateral is answered with a 4-frame cine
// (tests/dicom/support/multi-frame.ts: frame k all one gray level, FrameTime 40 ms, non-square
// PixelSpacing 0.5 × 0.25 mm); its PA is the real CR, which has no pixel spacing.
const studyUrl = `/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/studies/${E2E_VIEWER.study}`;
const [cr, lateral] = E2E_VIEWER.dicom;
const lateralPath = `/api/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/images/${lateral.dicomId}`;
const cine = Buffer.from(multiFrameCine({ frames: 4, timing: [{ tag: 0x00181063, vr: "DS", value: "40" }] }));

// Cornerstone draws non-square pixels at their true proportions: 256 × 0.25 mm by 128 × 0.5 mm is
// a square, as if it had 256 rows of square pixels.
const ASPECT = CINE.rowSpacing / CINE.columnSpacing;
const SHOWN = { columns: CINE.columns, rows: CINE.rows * ASPECT };

/**
 * Where an image pixel (continuous coordinates) is on the page: the image's rectangle is found in the
 * canvas itself (a uniform gray frame on black), so no assumption about zoom or fit enters.
 */
async function pagePoint(viewer: Locator, p: { x: number; y: number }) {
  const box = (await viewer.getByTestId("viewer-image").boundingBox())!;
  const rect = await viewer.locator('[data-testid="viewer-image"] canvas').evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
    let [x0, y0, x1, y1] = [Infinity, Infinity, -1, -1];
    for (let y = 0; y < c.height; y++) {
      for (let x = 0; x < c.width; x++) {
        const k = (y * c.width + x) * 4;
        if (d[k]! > 40 && d[k] === d[k + 2]) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x + 1), Math.max(y1, y + 1)];
      }
    }
    const css = c.clientWidth / c.width;
    return { x: x0 * css, y: y0 * css, width: (x1 - x0) * css, height: (y1 - y0) * css };
  });
  return { x: box.x + rect.x + (p.x * rect.width) / CINE.columns, y: box.y + rect.y + (p.y * rect.height) / CINE.rows };
}

async function dragOn(page: Page, viewer: Locator, from: { x: number; y: number }, to: { x: number; y: number }) {
  const [a, b] = [await pagePoint(viewer, from), await pagePoint(viewer, to)];
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 5 });
  await page.mouse.up();
}

const zoomOf = async (viewer: Locator) => Number(/zoom (\d+)%/.exec((await viewer.getByTestId("viewer-status").textContent())!)![1]);

test("viewer tools: cine frames, calibrated measurements, linked panes, shortcuts, full screen, phone and tablet", async ({ page, login }) => {
  await login("researcher");
  await page.route((url) => url.pathname === lateralPath && !url.searchParams.has("fit"), (route) => route.fulfill({ status: 200, contentType: "application/dicom", body: cine, headers: { "cache-control": "no-store, private" } }));
  await page.route((url) => url.pathname === lateralPath && url.searchParams.has("fit"), (route) => route.fulfill({ status: 204 }));
  const writes: string[] = [];
  page.on("request", (r) => {
    if (r.method() !== "GET" && new URL(r.url()).pathname.startsWith("/api/datasets/")) writes.push(`${r.method()} ${r.url()}`);
  });
  await page.goto(studyUrl);
  const viewer = page.getByTestId("viewer");
  await expect(viewer).toHaveAttribute("aria-label", new RegExp(cr.dicomId));
  await renderedAfter(page, 0);

  // The CR has no pixel spacing: a length is in pixels, and says it is uncalibrated.
  await page.getByRole("button", { name: "Length", exact: true }).click();
  await expect(viewer.getByTestId("viewer-calibration")).toContainText("px (uncalibrated: no pixel spacing in the file)");
  await expect(viewer).not.toHaveAttribute("data-frames", /./);

  // The strip of the study's images puts the lateral (here: the cine) into the viewport.
  const strip = page.getByTestId("study-strip");
  await expect(strip.getByRole("button")).toHaveCount(2);
  await strip.getByRole("button", { name: new RegExp(lateral.dicomId) }).click();
  await expect(viewer).toHaveAttribute("aria-label", new RegExp(lateral.dicomId));
  let renders = await renderedAfter(page, 0);

  // Multi-frame: frame 1 of 4 in the readout, at the file's FrameTime; each frame is its own gray level.
  await expect(viewer).toHaveAttribute("data-frames", "4");
  await expect(viewer).toHaveAttribute("data-frame-ms", "40");
  await expect(viewer.getByTestId("viewer-frame")).toHaveText("Frame 1 / 4 · 25 fps (FrameTime)");
  await expect(viewer.getByTestId("viewer-status")).toContainText("frame 1 / 4");
  const grayOf = async () => Math.round(mean((await canvasImagePixels(page, SHOWN, viewer)).pixels));
  const expectedGray = (frame: number) => Math.round((255 * (frame - 1)) / 3);
  expect(Math.abs((await grayOf()) - expectedGray(1))).toBeLessThanOrEqual(2);
  await viewer.getByTestId("viewer-image").focus();
  await page.keyboard.press("ArrowRight");
  await expect(viewer).toHaveAttribute("data-frame", "2");
  renders = await renderedAfter(page, renders);
  expect(Math.abs((await grayOf()) - expectedGray(2))).toBeLessThanOrEqual(2);
  await viewer.getByLabel("Frame", { exact: true }).fill("4");
  await expect(viewer.getByTestId("viewer-status")).toContainText("frame 4 / 4");
  await renderedAfter(page, renders);
  expect(Math.abs((await grayOf()) - expectedGray(4))).toBeLessThanOrEqual(2);

  // Cine plays every frame in a loop until paused; the canvas then shows the frame the readout names.
  await viewer.getByRole("button", { name: "Play" }).click();
  await expect(viewer).toHaveAttribute("data-playing", "true");
  const seen = new Set<string>();
  await expect.poll(async () => seen.add((await viewer.getAttribute("data-frame"))!).size, { intervals: [5], timeout: 15_000 }).toBe(4);
  await viewer.getByRole("button", { name: "Pause" }).click();
  await expect(viewer).not.toHaveAttribute("data-playing", /./);
  const paused = Number(await viewer.getAttribute("data-frame"));
  await expect(viewer.getByTestId("viewer-frame")).toContainText(`Frame ${paused} / 4`);
  await expect.poll(async () => Math.abs((await grayOf()) - expectedGray(paused))).toBeLessThanOrEqual(2);

  // Lengths from PixelSpacing, rows 0.5 mm apart and columns 0.25 mm: 100 pixels along a row are
  // 25 mm, 40 down a column 20 mm. An angle is measured in mm: arms (25, 0) and (10, 20) mm → 63.4°
  // (45° if the pixels were taken as square).
  await viewer.getByLabel("Frame", { exact: true }).fill("3");
  await page.getByRole("button", { name: "Length", exact: true }).click();
  await expect(viewer.getByTestId("viewer-calibration")).toContainText("mm (PixelSpacing)");
  await dragOn(page, viewer, { x: 20, y: 30 }, { x: 120, y: 30 });
  await dragOn(page, viewer, { x: 20, y: 30 }, { x: 20, y: 70 });
  const items = viewer.getByTestId("viewer-measurement");
  await expect(items).toHaveCount(2);
  const mm = async (i: number) => Number(/([\d.]+) mm/.exec((await items.nth(i).textContent())!)![1]);
  expect(Math.abs((await mm(0)) - 25)).toBeLessThan(0.2);
  expect(Math.abs((await mm(1)) - 20)).toBeLessThan(0.2);
  await page.getByRole("button", { name: "Angle", exact: true }).click();
  for (const p of [{ x: 120, y: 30 }, { x: 20, y: 30 }, { x: 60, y: 70 }]) {
    const at = await pagePoint(viewer, p);
    await page.mouse.click(at.x, at.y);
  }
  await expect(items).toHaveCount(3);
  await expect(items.nth(2)).toHaveAttribute("data-kind", "angle");
  expect(Math.abs(Number(/([\d.]+)°/.exec((await items.nth(2).textContent())!)![1]) - 63.4)).toBeLessThan(0.6);
  // Drawn over the image (the overlay canvas, not the image's pixels), and kept when the frame changes.
  const overlayPixels = () => viewer.getByTestId("viewer-overlay").evaluate((c: HTMLCanvasElement) => c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data.filter((_, i) => i % 4 === 3 && _ > 0).length);
  expect(await overlayPixels()).toBeGreaterThan(200);
  await page.keyboard.press("ArrowLeft");
  await expect(items).toHaveCount(3);
  await items.nth(1).getByRole("button", { name: /Delete/ }).click();
  await expect(items).toHaveCount(2);
  // Nothing was sent anywhere: measurements live in the page only.
  expect(writes).toEqual([]);

  // `?` lists the keyboard shortcuts; Escape closes the list.
  await viewer.getByTestId("viewer-image").focus();
  await page.keyboard.press("?");
  await expect(viewer.getByTestId("viewer-shortcuts")).toContainText("play / pause the frames");
  await page.keyboard.press("Escape");
  await expect(viewer.getByTestId("viewer-shortcuts")).toHaveCount(0);

  // Full screen takes the whole viewer, image larger; leaving it restores the page.
  const heightBefore = (await viewer.getByTestId("viewer-image").boundingBox())!.height;
  await viewer.getByRole("button", { name: "Full screen" }).click();
  await expect(viewer.getByRole("button", { name: "Leave full screen" })).toBeVisible();
  expect(await page.evaluate(() => document.fullscreenElement?.getAttribute("data-testid"))).toBe("viewer");
  await viewer.getByRole("button", { name: "Leave full screen" }).click();
  await expect.poll(() => page.evaluate(() => document.fullscreenElement === null)).toBe(true);
  await expect.poll(async () => (await viewer.getByTestId("viewer-image").boundingBox())!.height).toBe(heightBefore);

  // Linked panes: zoom in one, the other follows (relative to its own fit); a window typed in one
  // applies to both. Unlinked, each keeps its own.
  await page.getByRole("button", { name: "1×2" }).click();
  const viewers = page.getByTestId("viewer");
  await expect(viewers).toHaveCount(2);
  const [left, right] = [viewers.nth(0), viewers.nth(1)];
  await expect(right).toHaveAttribute("aria-label", new RegExp(cr.dicomId));
  await renderedAfter(page, 0, right);
  await page.getByRole("button", { name: "Link panes" }).click();
  await expect(page.getByRole("button", { name: "Link panes" })).toHaveAttribute("aria-pressed", "true");
  await page.getByRole("button", { name: "Reset" }).first().click();
  const [fitLeft, fitRight] = [await zoomOf(left), await zoomOf(right)];
  await left.getByRole("button", { name: "+" }).click();
  await left.getByRole("button", { name: "+" }).click();
  await expect.poll(() => zoomOf(left)).toBe(Math.round(fitLeft * 1.5625));
  await expect.poll(() => zoomOf(right)).toBeGreaterThanOrEqual(Math.floor(fitRight * 1.5625) - 1);
  expect(await zoomOf(right)).toBeLessThanOrEqual(Math.ceil(fitRight * 1.5625) + 1);
  await right.getByLabel("Window centre").fill("300");
  await right.getByLabel("Window width").fill("200");
  await right.getByRole("button", { name: "Apply" }).click();
  await expect(right.getByTestId("viewer-status")).toContainText("Window C 300 / W 200");
  await expect(left.getByTestId("viewer-status")).toContainText("Window C 300 / W 200");
  await page.getByRole("button", { name: "Link panes" }).click();
  const rightZoom = await zoomOf(right);
  await left.getByRole("button", { name: "+" }).click();
  await expect.poll(() => zoomOf(left)).toBeGreaterThan(Math.round(fitLeft * 1.5625));
  expect(await zoomOf(right)).toBe(rightZoom);

  // Touch: one finger drags the window (the tool selected), two pinch (viewer.spec.ts).
  await left.getByRole("button", { name: "Window/level" }).click();
  const status = await left.getByTestId("viewer-status").textContent();
  const box = (await left.getByTestId("viewer-image").boundingBox())!;
  const finger = (type: string, x: number) => left.getByTestId("viewer-image").dispatchEvent(type, { pointerId: 7, pointerType: "touch", isPrimary: true, clientX: x, clientY: box.y + box.height / 2, bubbles: true });
  await finger("pointerdown", box.x + 50);
  await finger("pointermove", box.x + 120);
  await finger("pointerup", box.x + 120);
  await expect(left.getByTestId("viewer-status")).not.toHaveText(status!);

  // Phone and tablet: the page fits the screen (nothing scrolls sideways), and the watermark in the
  // canvas is whole (shrunk to fit rather than cut at the left edge).
  await page.getByRole("button", { name: "1×1" }).click();
  for (const size of [{ width: 390, height: 844 }, { width: 768, height: 1024 }]) {
    await page.setViewportSize(size);
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), { message: `${size.width}px wide` }).toBeLessThanOrEqual(0);
    const one = page.getByTestId("viewer");
    const canvasWidth = await one.locator('[data-testid="viewer-image"] canvas').evaluate((c: HTMLCanvasElement) => c.width);
    await expect.poll(async () => {
      const rgba = await canvasRgba(one);
      let tinted = 0;
      let leftmost = Infinity;
      for (let i = 0; i + 2 < rgba.length; i += 4) {
        if (rgba[i]! - rgba[i + 2]! > 60) {
          tinted++;
          leftmost = Math.min(leftmost, (i / 4) % canvasWidth);
        }
      }
      return tinted > 100 && leftmost >= 4;
    }, { message: `watermark whole at ${size.width}px` }).toBe(true);
  }
});
