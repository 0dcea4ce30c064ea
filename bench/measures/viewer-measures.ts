/**
 * The DICOM viewer in headless Chromium against the production build on loopback:
 * - viewer.first_pixel: opening a study page → the first pixels of a ~15 MB 16-bit DICOM on screen:
 *   the route's preview picture painted (Element Timing's renderTime) or cornerstone's first frame
 *   drawn, whichever is first (navigation start to then, read in the page); next to dcmtk's dcm2pnm
 *   decoding the same file to a PGM (a native reference, process start included).
 * - viewer.window_level: frames drawn per second while the mouse drags the window on that image.
 * - viewer.memory: the tab's memory after opening 10 and 50 images in a row, and the image cache's cap.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { percentile, round, type BenchContext, type Measure, type MeasureResult } from "../harness";
import { withViewerApp } from "./viewer-app";
import { floorPaints, writeFloorPages } from "./viewer-floor";

const DCM2PNM = "/usr/bin/dcm2pnm";
const GDCMCONV = "/usr/bin/gdcmconv";
const J2K_FILE = path.resolve("tests/fixtures/dicom/cr-mono1-10bit-j2k-lossless.dcm");
const LOADS = 12;

type Timing = { html: number; ready: number; previewPainted: number; previewRequested: number; previewFirstByte: number; previewIn: number; imageFirstByte: number; imageIn: number; imageDecoded: number };
type Load = Timing & { first: number; canvas: number; full: number };

// Which copy cornerstone drew first ("copy 4", "none"), for the log.
const openings: string[] = [];

async function openStudy(page: Page, url: string): Promise<Load> {
  await page.goto(url, { waitUntil: "commit" });
  const viewer = page.locator('[data-testid="viewer"][data-first-render-ms]');
  await viewer.waitFor({ timeout: 60_000 });
  const first = Number(await viewer.getAttribute("data-first-render-ms"));
  // Cornerstone's first frame is the fitted reduced copy (image-viewer.tsx); the full image follows.
  const image = page.locator('[data-testid="viewer-image"][data-full-render-ms]');
  await image.waitFor({ timeout: 60_000 });
  // Drawn means drawn: the canvas holds image pixels, not the black it starts with.
  const lit = await page.locator('[data-testid="viewer-image"] canvas').evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < d.length; i += 4) if (d[i]! > 0) return true;
    return false;
  });
  if (!lit) throw new Error("bench: the viewer reported a render but its canvas is black");
  const full = Number(await image.getAttribute("data-full-render-ms"));
  const canvas = Number(await image.getAttribute("data-canvas-first-render-ms"));
  openings.push((await image.getAttribute("data-opening")) ?? "none");
  // The page's HTML, the viewer's code being ready, the preview's and the image's requests (resource
  // timing) and the full image decoded. All in ms since navigation start.
  const marks = (await page.evaluate(`(async () => {
    const painted = await new Promise((resolve) => {
      const observer = new PerformanceObserver((list) => {
        const entry = list.getEntries().find((e) => e.identifier === "labgate-preview");
        if (entry) { observer.disconnect(); resolve(entry.renderTime || entry.loadTime); }
      });
      observer.observe({ type: "element", buffered: true });
      setTimeout(() => { observer.disconnect(); resolve(NaN); }, 200);
    });
    const images = performance.getEntriesByType("resource").filter((e) => e.name.includes("/images/"));
    const preview = images.find((e) => e.name.includes("?fit="));
    const image = images.find((e) => !e.name.includes("?fit="));
    const decoded = performance.getEntriesByName("labgate:image-decoded", "mark").filter((m) => !String(m.detail).includes("?fit=")).at(-1);
    return {
      html: performance.getEntriesByType("navigation")[0].responseEnd,
      ready: performance.getEntriesByName("labgate:viewer-ready", "mark").at(-1)?.startTime ?? NaN,
      previewPainted: painted,
      previewRequested: preview ? preview.startTime : NaN,
      previewFirstByte: preview ? preview.responseStart : NaN,
      previewIn: preview ? preview.responseEnd : NaN,
      imageFirstByte: image ? image.responseStart : NaN,
      imageIn: image ? image.responseEnd : NaN,
      imageDecoded: decoded ? decoded.startTime : NaN,
    };
  })()`)) as Timing;
  return { first, canvas, full, ...marks };
}

function dcm2pnmMs(file: string, runs: number): number {
  const out = mkdtempSync(path.join(tmpdir(), "labgate-dcm2pnm-"));
  try {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const r = spawnSync(DCM2PNM, [file, path.join(out, "out.pgm")], { stdio: "pipe" });
      const t1 = performance.now();
      if (r.status !== 0) throw new Error(`bench: dcm2pnm failed: ${r.stderr.toString()}`);
      times.push(t1 - t0);
    }
    return percentile(times, 50);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** GDCM decompressing the file to an uncompressed DICOM (`gdcmconv --raw`), process start included. */
function gdcmconvMs(file: string, runs: number): number {
  const out = mkdtempSync(path.join(tmpdir(), "labgate-gdcmconv-"));
  try {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const r = spawnSync(GDCMCONV, ["--raw", file, path.join(out, "out.dcm")], { stdio: "pipe" });
      const t1 = performance.now();
      if (r.status !== 0) throw new Error(`bench: gdcmconv failed: ${r.stderr.toString()}`);
      times.push(t1 - t0);
    }
    return percentile(times, 50);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export const viewerFirstPixelJ2k: Measure = {
  name: "viewer.first_pixel_j2k",
  description: "study page opened → first pixels on screen of a 1760×1760 10-bit JPEG 2000 lossless CR in headless Chromium (median of warm loads; the route has no preview of a compressed file — 204, preview_in_ms —, so the first pixels are cornerstone's first frame: the codestream's quarter-resolution level (drawn at most 2× enlarged), decoded first in the page's worker — canvas_first_ms —; full_ms the exact full-resolution draw that replaces it) vs GDCM `gdcmconv --raw` decompressing the same file (process start included)",
  async run(ctx) {
    if (!existsSync(GDCMCONV)) throw new Error(`bench: ${GDCMCONV} missing (apt-get install libgdcm-tools)`);
    return withViewerApp(
      ctx,
      async ({ page, studyUrl }) => {
        await openStudy(page, studyUrl);
        const loads: Load[] = [];
        for (let i = 0; i < LOADS; i++) loads.push(await openStudy(page, studyUrl));
        const p50 = (f: (l: Load) => number) => round(percentile(loads.map(f), 50), 1);
        const ms = p50((l) => l.first);
        const native = gdcmconvMs(J2K_FILE, 9);
        const breakdown = { html_ms: p50((l) => l.html), viewer_ready_ms: p50((l) => l.ready), preview_painted_ms: p50((l) => l.previewPainted), preview_in_ms: p50((l) => l.previewIn), image_in_ms: p50((l) => l.imageIn), canvas_first_ms: p50((l) => l.canvas), image_decoded_ms: p50((l) => l.imageDecoded), full_ms: p50((l) => l.full) };
        ctx.log(`first frames drawn from: ${openings.splice(0).join(", ")}`);
        ctx.log(`J2K first pixel: warm p50 ${ms} ms, p95 ${round(percentile(loads.map((l) => l.first), 95))} ms; ${JSON.stringify(breakdown)}; gdcmconv --raw ${round(native)} ms`);
        return { ms, p95_ms: round(percentile(loads.map((l) => l.first), 95), 1), ...breakdown, gdcmconv_ms: round(native, 1), ratio: round(ms / native), full_ratio: round(breakdown.full_ms / native), loads: LOADS };
      },
      { pa: J2K_FILE },
    );
  },
};

export const viewerFirstPixel: Measure = {
  name: "viewer.first_pixel",
  description: "study page opened → first pixels on screen of a 16-bit 2544×3056 (~15 MB) uncompressed DICOM in headless Chromium (median of warm loads; the first pixels are the route's fitted, windowed preview picture painted from the page's HTML — preview_painted_ms —, canvas_first_ms cornerstone's first frame, full_ms the full-resolution draw) vs dcmtk dcm2pnm decoding the same file; floor_*: in the same run and Chromium, interleaved, the first paint of a minimal static page and of a page painting only the same preview PNG, both served by the same app (floor_ratio = ms / floor_png_ms)",
  async run(ctx) {
    if (!existsSync(DCM2PNM)) throw new Error(`bench: ${DCM2PNM} missing (apt-get install dcmtk)`);
    return withViewerApp(ctx, async ({ page, context, studyUrl, largeFile }) => measureFirstPixel(ctx, page, context, studyUrl, largeFile), { beforeStart: writeFloorPages });
  },
};

async function measureFirstPixel(ctx: BenchContext, page: Page, context: BrowserContext, studyUrl: string, largeFile: string): Promise<MeasureResult> {
  const cold = (await openStudy(page, studyUrl)).first;
  await floorPaints(page, context);
  const loads: Load[] = [];
  const floors: { static: number; png: number }[] = [];
  // The floor pages between the study's loads, so that both see the same machine.
  let decodedIn: string | null = null;
  for (let i = 0; i < LOADS; i++) {
    loads.push(await openStudy(page, studyUrl));
    decodedIn = await page.getByTestId("viewer").getAttribute("data-decoded-in");
    floors.push(await floorPaints(page, context));
  }
  const warm = loads.map((l) => l.first);
  const ms = percentile(warm, 50);
  const p50 = (f: (l: Load) => number) => round(percentile(loads.map(f), 50), 1);
  const floor = { floor_static_ms: round(percentile(floors.map((f) => f.static), 50), 1), floor_png_ms: round(percentile(floors.map((f) => f.png), 50), 1) };
  const breakdown = {
    html_ms: p50((l) => l.html),
    preview_painted_ms: p50((l) => l.previewPainted),
    viewer_ready_ms: p50((l) => l.ready),
    preview_requested_ms: p50((l) => l.previewRequested),
    preview_first_byte_ms: p50((l) => l.previewFirstByte),
    preview_in_ms: p50((l) => l.previewIn),
    image_first_byte_ms: p50((l) => l.imageFirstByte),
    image_in_ms: p50((l) => l.imageIn),
    image_decoded_ms: p50((l) => l.imageDecoded),
    canvas_first_ms: p50((l) => l.canvas),
    full_ms: p50((l) => l.full),
  };
  const native = dcm2pnmMs(largeFile, 9);
  ctx.log(`first frames drawn from: ${openings.splice(0).join(", ")}`);
  ctx.log(`first pixel: cold ${round(cold)} ms, warm p50 ${round(ms)} ms, p95 ${round(percentile(warm, 95))} ms; p50 breakdown ${JSON.stringify(breakdown)} (decoded in the ${decodedIn}); dcm2pnm ${round(native)} ms`);
  ctx.log(`floor (same app, same Chromium, interleaved): minimal static page first paint ${floor.floor_static_ms} ms, page painting only the preview PNG ${floor.floor_png_ms} ms; first pixel / PNG floor ${round(ms / floor.floor_png_ms)}, dcm2pnm / PNG floor ${round(native / floor.floor_png_ms)}`);
  return {
    ms: round(ms, 1),
    p95_ms: round(percentile(warm, 95), 1),
    cold_ms: round(cold, 1),
    ...breakdown,
    dcm2pnm_ms: round(native, 1),
    ratio: round(ms / native),
    ...floor,
    // How far above what any page can do: the goal (≤ 1.0× dcm2pnm) is below the floor when floor_png_ms > dcm2pnm_ms.
    floor_ratio: round(ms / floor.floor_png_ms),
    full_ratio: round(breakdown.full_ms / native),
    loads: LOADS,
  };
}

const DRAG_MS = 4000;

export const viewerWindowLevel: Measure = {
  name: "viewer.window_level",
  description: "frames drawn per second while dragging window/level on the 2544×3056 DICOM (counted in the page), vs the page's requestAnimationFrame rate",
  async run(ctx) {
    return withViewerApp(ctx, async ({ page, studyUrl }) => {
      await openStudy(page, studyUrl);
      // The study page puts facts, labels and the image table above the viewer: in a 1000 px high
      // window its centre is below the fold, where the mouse cannot reach (0 frames counted).
      await page.getByTestId("viewer-image").scrollIntoViewIfNeeded();
      const box = (await page.getByTestId("viewer-image").boundingBox())!;
      const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
      await page.mouse.move(cx, cy);
      await page.mouse.down();
      // Count in the page: cornerstone's IMAGE_RENDERED events and animation frames over the same span.
      // (A string, so the bundler's helpers never end up in code that runs in the page.)
      await page.evaluate(`(() => {
        const host = document.querySelector('[data-testid="viewer-image"]');
        const wl = (window.wl = { renders: 0, frames: 0, t0: performance.now(), on: true });
        host.addEventListener("cornerstoneimagerendered", () => { if (wl.on) wl.renders++; });
        const tick = () => { if (!wl.on) return; wl.frames++; requestAnimationFrame(tick); };
        requestAnimationFrame(tick);
      })()`);
      const until = Date.now() + DRAG_MS;
      let moves = 0;
      for (let i = 0; Date.now() < until; i++, moves++) {
        // A zigzag, so both width and centre keep changing.
        const phase = (i % 80) / 80;
        await page.mouse.move(cx + 150 * Math.sin(phase * 2 * Math.PI), cy + 100 * Math.cos(phase * 2 * Math.PI));
      }
      const r = (await page.evaluate(`(() => {
        window.wl.on = false;
        return { renders: window.wl.renders, frames: window.wl.frames, seconds: (performance.now() - window.wl.t0) / 1000 };
      })()`)) as { renders: number; frames: number; seconds: number };
      await page.mouse.up();
      const fps = r.renders / r.seconds;
      const rafFps = r.frames / r.seconds;
      // Each move is a round trip to the browser: on a starved machine the moves, not the viewer, cap the frames.
      ctx.log(`window/level: ${r.renders} frames drawn in ${round(r.seconds)} s = ${round(fps, 1)} fps (animation frames: ${round(rafFps, 1)}/s; mouse moves sent: ${moves})`);
      return { fps: round(fps, 1), raf_fps: round(rafFps, 1), ratio: round(fps / rafFps), moves, frames_per_move: round(r.renders / moves), seconds: round(r.seconds, 1) };
    });
  },
};

const OPENS = 50;

export const viewerMemory: Measure = {
  name: "viewer.memory",
  description: "tab memory (JS heap + ArrayBuffers, after GC) having opened 10 and 50 images in a row (the 15 MB DICOM and a 6 MB CR by turns); cornerstone image cache cap",
  async run(ctx) {
    return withViewerApp(ctx, async ({ page, context, studyUrl, images }) => {
      await openStudy(page, studyUrl);
      const cdp = await context.newCDPSession(page);
      const memoryMb = async () => {
        await cdp.send("HeapProfiler.collectGarbage");
        const usage = (await cdp.send("Runtime.getHeapUsage")) as { usedSize: number; backingStorageSize?: number };
        return (usage.usedSize + (usage.backingStorageSize ?? 0)) / 2 ** 20;
      };
      const figures: number[] = [];
      for (let i = 1; i <= OPENS; i++) {
        const id = i % 2 ? images.lateral : images.large;
        await page.locator(`tr[data-dicom-id="${id}"]`).getByRole("button", { name: "View" }).click();
        const viewer = page.locator(`[data-testid="viewer"][aria-label*="${id}"][data-state="ready"]`);
        await viewer.waitFor({ timeout: 60_000 });
        if (i === 10 || i === OPENS) figures.push(await memoryMb());
      }
      const cache = (await page.evaluate(() => (window as unknown as { labgateImageCacheInfo: () => { maximumSizeInBytes: number; cacheSizeInBytes: number; numberOfImagesCached: number } }).labgateImageCacheInfo())) as {
        maximumSizeInBytes: number;
        cacheSizeInBytes: number;
        numberOfImagesCached: number;
      };
      const [after10, after50] = figures as [number, number];
      ctx.log(`memory after 10 opens ${round(after10, 1)} MB, after ${OPENS} ${round(after50, 1)} MB; image cache ${cache.numberOfImagesCached} images / ${round(cache.cacheSizeInBytes / 2 ** 20, 1)} MB, cap ${cache.maximumSizeInBytes / 2 ** 20} MB`);
      return {
        mb_after_10: round(after10, 1),
        mb_after_50: round(after50, 1),
        ratio: round(after50 / after10),
        cache_cap_mb: cache.maximumSizeInBytes / 2 ** 20,
        cache_mb: round(cache.cacheSizeInBytes / 2 ** 20, 1),
        opens: OPENS,
      };
    });
  },
};
