import { readFileSync } from "node:fs";
import type { Page } from "@playwright/test";
import { expect, test } from "./support/fixtures";
import { E2E_CXR, E2E_VIEWER } from "./support/mimic-data";
import { canvasImagePixels, diffAgainstReference, mean, MEAN_TOLERANCE, REFERENCES, renderedAfter } from "./support/viewer";
import { locateDicom as locate, REFERENCE_WIDTHS as WIDTHS, referenceRenderings } from "./support/viewer-references";

// Every DICOM file the project keeps for its tests (and, where ../shared/dicom exists, the whole
// collection) through the real page: the study page's image fetch is answered with the file's bytes,
// so parsing, the decoding worker, the WASM codecs and the page's CSP are what a member gets. The e2e
// dataset keeps two uncompressed files in lab storage; the route's own rules are tested in viewer.spec.ts.
// The reference renderings are made once per run, by the global setup's renderer, which may still be
// at work when the first of these tests wants its file's: room for that wait.
test.describe.configure({ timeout: 120_000 });
const studyUrl = `/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/studies/${E2E_VIEWER.study}`;
const imagePath = `/api/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/images/${E2E_VIEWER.dicom[0].dicomId}`;

async function openStudyShowing(page: Page, bytes: Buffer): Promise<void> {
  await page.route((url) => url.pathname === imagePath && !url.searchParams.has("fit"), (route) => route.fulfill({ status: 200, contentType: "application/dicom", body: bytes, headers: { "cache-control": "no-store, private" } }));
  // No preview picture (?fit=, the route's; see viewer.spec.ts and tests/viewer/render-preview.test.ts):
  // what is compared here is what the viewer itself draws of the file.
  await page.route((url) => url.pathname === imagePath && url.searchParams.has("fit"), (route) => route.fulfill({ status: 204 }));
  await page.goto(studyUrl);
}

for (const ref of REFERENCES) {
  const file = locate(ref.file);
  // Declared skipped when the file is absent, so that no lab is seeded and no one signs in for nothing.
  test.describe(() => {
    test.skip(!file, `${ref.file} is neither in tests/fixtures/dicom nor in ../shared/dicom`);
    test(`${ref.file}: ${ref.expect === "error" ? "a clear error, never a blank canvas" : "on screen as render.ts draws it, within ±1 at the header's window, W = 10 and W = 100"}`, async ({ page, login }) => {
      await login("researcher");
      await openStudyShowing(page, readFileSync(file!));
      const viewer = page.getByTestId("viewer");
      if (ref.expect === "error") {
        await expect(viewer).toHaveAttribute("data-state", "error");
        await expect(page.getByTestId("viewer-error")).toContainText("truncated");
        return;
      }
      let renders = await renderedAfter(page, 0);
      await expect(viewer).toHaveAttribute("data-decoded-in", "worker");
      // A JPEG 2000 radiograph is first drawn from its quarter-resolution level (decode-opening.ts);
      // what is compared below is the full-resolution image that replaced it.
      if (ref.file === "cr-mono1-10bit-j2k-lossless.dcm") await expect(page.getByTestId("viewer-image")).toHaveAttribute("data-opening", "resolution 1/4");
      const { gray, center, bytes } = await referenceRenderings(file!);
      const check = async (name: string) => {
        const diff = await diffAgainstReference(viewer, ref, gray ? { gray: bytes(name) } : { rgb: bytes(name) });
        expect(diff.compared, name).toBeGreaterThan(100_000);
        expect(diff.maxDiff, `${name}: ${JSON.stringify(diff)}`).toBeLessThanOrEqual(1);
      };
      await check("default");
      // DICOM's VOI applies to grayscale only; colour is shown as stored.
      if (!gray) return;
      for (const width of WIDTHS) {
        await page.getByLabel("Window centre").fill(String(center));
        await page.getByLabel("Window width").fill(String(width));
        await page.getByRole("button", { name: "Apply" }).click();
        renders = await renderedAfter(page, renders);
        await expect(page.getByTestId("viewer-status")).toContainText(`W ${width} ·`);
        await check(String(width));
      }
    });
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
