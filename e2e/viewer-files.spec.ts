import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";
import { readPng } from "@/tests/dicom/support/png";
import { expect, test } from "./support/fixtures";
import { E2E_CXR, E2E_VIEWER } from "./support/mimic-data";
import { canvasImagePixels, mean, MEAN_TOLERANCE, REFERENCES, renderedAfter, type Reference } from "./support/viewer";

// Every DICOM file the project keeps for its tests (and, where ../shared/dicom exists, the whole
// collection) through the real page: the study page's image fetch is answered with the file's bytes,
// so parsing, the decoding worker, the WASM codecs and the page's CSP are what a member gets. The e2e
// dataset keeps two uncompressed files in lab storage; the route's own rules are tested in viewer.spec.ts.
const DIRS = [path.resolve("tests/fixtures/dicom"), path.resolve("../shared/dicom")];
const locate = (file: string) => DIRS.map((d) => path.join(d, file)).find(existsSync) ?? null;
const studyUrl = `/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/studies/${E2E_VIEWER.study}`;
const imagePath = `/api/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/images/${E2E_VIEWER.dicom[0].dicomId}`;

async function openStudyShowing(page: Page, bytes: Buffer): Promise<void> {
  await page.route((url) => url.pathname === imagePath && !url.searchParams.has("fit"), (route) => route.fulfill({ status: 200, contentType: "application/dicom", body: bytes, headers: { "cache-control": "no-store, private" } }));
  // No preview picture (?fit=, the route's; see viewer.spec.ts and tests/viewer/render-preview.test.ts):
  // what is compared here is what the viewer itself draws of the file.
  await page.route((url) => url.pathname === imagePath && url.searchParams.has("fit"), (route) => route.fulfill({ status: 204 }));
  await page.goto(studyUrl);
}

/** Pearson correlation between the canvas at the reference's 16×16 grid points and the reference values. */
async function gridCorrelation(page: Page, ref: Reference & { grid: number[][]; grid_rows: number[]; grid_cols: number[] }): Promise<number> {
  const ours = await page.locator('[data-testid="viewer-image"] canvas').evaluate((canvas: HTMLCanvasElement, r) => {
    const ctx = canvas.getContext("2d")!;
    const scale = Math.min(canvas.width / r.columns, canvas.height / r.rows);
    const x0 = (canvas.width - r.columns * scale) / 2;
    const y0 = (canvas.height - r.rows * scale) / 2;
    return r.grid_rows.map((row) => r.grid_cols.map((col) => ctx.getImageData(Math.floor(x0 + (col + 0.5) * scale), Math.floor(y0 + (row + 0.5) * scale), 1, 1).data[0]!));
  }, ref);
  const a = ours.flat();
  const b = ref.grid.flat();
  const [ma, mb] = [mean(a), mean(b)];
  const cov = a.reduce((s, v, i) => s + (v - ma) * (b[i]! - mb), 0);
  const sa = Math.sqrt(a.reduce((s, v) => s + (v - ma) ** 2, 0));
  const sb = Math.sqrt(b.reduce((s, v) => s + (v - mb) ** 2, 0));
  return cov / (sa * sb);
}

for (const ref of REFERENCES) {
  test(`${ref.file}: ${ref.expect === "error" ? "a clear error, never a blank canvas" : "rendered in Chromium as its reference"}`, async ({ page, login }) => {
    const file = locate(ref.file);
    test.skip(!file, `${ref.file} is neither in tests/fixtures/dicom nor in ../shared/dicom`);
    await login("researcher");
    await openStudyShowing(page, readFileSync(file!));
    const viewer = page.getByTestId("viewer");
    if (ref.expect === "error") {
      await expect(viewer).toHaveAttribute("data-state", "error");
      await expect(page.getByTestId("viewer-error")).toContainText("truncated");
      return;
    }
    await renderedAfter(page, 0);
    await expect(viewer).toHaveAttribute("data-decoded-in", "worker");
    if (ref.display_mean !== undefined) {
      // Windowing and inversion: the mean; orientation: the reference's grid of sample points.
      expect(Math.abs(mean((await canvasImagePixels(page, ref)).pixels) - ref.display_mean)).toBeLessThan(MEAN_TOLERANCE);
      expect(await gridCorrelation(page, ref as Parameters<typeof gridCorrelation>[1])).toBeGreaterThan(0.9);
    } else {
      // Colour: each channel's mean against the reference PNG's.
      const png = readPng(new Uint8Array(readFileSync(path.join(path.dirname(file!), ref.reference_png!))));
      const canvasMeans = await page.locator('[data-testid="viewer-image"] canvas').evaluate((canvas: HTMLCanvasElement, r) => {
        const scale = Math.min(canvas.width / r.columns, canvas.height / r.rows);
        const [w, h] = [Math.floor(r.columns * scale) - 6, Math.floor(r.rows * scale) - 6];
        const d = canvas.getContext("2d")!.getImageData(Math.ceil((canvas.width - r.columns * scale) / 2) + 3, Math.ceil((canvas.height - r.rows * scale) / 2) + 3, w, h).data;
        const sums = [0, 0, 0];
        for (let i = 0; i < d.length; i += 4) for (let c = 0; c < 3; c++) sums[c]! += d[i + c]!;
        return sums.map((s) => s / (d.length / 4));
      }, ref);
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let i = c; i < png.data.length; i += png.channels) sum += png.data[i]!;
        expect(Math.abs(canvasMeans[c]! - sum / (png.data.length / png.channels))).toBeLessThan(MEAN_TOLERANCE);
      }
    }
  });
}

test("without workers the page decodes JPEG-LS and JPEG 2000 itself: the CSP lets WebAssembly compile, and only WebAssembly", async ({ page, login, allowConsoleErrors }) => {
  // The eval probe below is refused on purpose; Chromium reports the refusal on the console.
  allowConsoleErrors(/unsafe-eval|Refused to evaluate/);
  await login("researcher");
  // A browser without Worker takes the main-thread path, where the page's own CSP governs WebAssembly.
  await page.addInitScript(() => {
    delete (window as { Worker?: unknown }).Worker;
  });
  for (const file of ["cr-mono1-10bit-jpegls-lossless.dcm", "cr-mono1-10bit-j2k-lossless.dcm"]) {
    await page.unrouteAll();
    await openStudyShowing(page, readFileSync(locate(file)!));
    await renderedAfter(page, 0);
    await expect(page.getByTestId("viewer")).toHaveAttribute("data-decoded-in", "main-thread");
    const ref = REFERENCES.find((r) => r.file === file)!;
    expect(Math.abs(mean((await canvasImagePixels(page, ref)).pixels) - ref.display_mean)).toBeLessThan(MEAN_TOLERANCE);
  }
  // The smallest valid module compiles under the page's policy; JavaScript eval stays refused.
  const verdict = await page.evaluate(async () => {
    const wasm = await WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])).then(() => "compiled", (e: Error) => e.message);
    let evalResult = "ran";
    try {
      new Function("return 1")();
    } catch (e) {
      evalResult = (e as Error).name;
    }
    return { wasm, evalResult };
  });
  expect(verdict).toEqual({ wasm: "compiled", evalResult: "EvalError" });
});
