/**
 * The floor under viewer.first_pixel: in the same Chromium, from the same app (`next start` serves
 * public/ through the same proxy as the study page), the time from navigation start to the first
 * paint of (a) a minimal static page — a heading, no script, no stylesheet — and (b) a page that only
 * paints the study page's preview PNG (the same bytes, rendered here by render-preview.ts). No page
 * that shows the image can paint it sooner than (b).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { VIEWPORT_MAX } from "@/components/viewer/first-image";
import { renderPreview } from "@/lib/thumbnails/render-preview";

const PUBLIC = path.resolve("public");
const FLOOR_DIR = path.join(PUBLIC, "bench-floor");

/**
 * Writes the two pages; public/ is read when the app starts, so call this after the build and before
 * the app starts. Returns the cleanup, which leaves public/ as it found it, its modification time
 * included (public/ is a build source: a newer one would make the next bench rebuild the app).
 */
export async function writeFloorPages(largeFile: string): Promise<() => void> {
  const hadPublic = existsSync(PUBLIC) ? statSync(PUBLIC) : null;
  const preview = await renderPreview(new Uint8Array(readFileSync(largeFile)), VIEWPORT_MAX);
  if (!preview) throw new Error("bench: the large DICOM has no preview to paint");
  mkdirSync(FLOOR_DIR, { recursive: true });
  writeFileSync(path.join(FLOOR_DIR, "preview.png"), preview.png);
  writeFileSync(path.join(FLOOR_DIR, "static.html"), `<!doctype html><html><head><meta charset="utf-8"><title>floor</title></head><body><h1>labgate</h1></body></html>`);
  // Laid out as the viewer lays the preview out (a 768×512 box, fitted).
  writeFileSync(
    path.join(FLOOR_DIR, "png.html"),
    `<!doctype html><html><head><meta charset="utf-8"><title>floor</title></head><body><div style="position:relative;width:${VIEWPORT_MAX.width}px;height:${VIEWPORT_MAX.height}px;background:#000"><img src="preview.png" alt="" fetchpriority="high" elementtiming="floor" style="position:absolute;inset:0;width:100%;height:100%;object-fit:contain"></div></body></html>`,
  );
  return () => {
    rmSync(FLOOR_DIR, { recursive: true, force: true });
    if (hadPublic) utimesSync(PUBLIC, hadPublic.atime, hadPublic.mtime);
    else if (existsSync(PUBLIC) && readdirSync(PUBLIC).length === 0) rmSync(PUBLIC, { recursive: true, force: true });
  };
}

async function firstPaint(page: Page, url: string, what: "page" | "image"): Promise<number> {
  await page.goto(url, { waitUntil: "load" });
  const ms = (await page.evaluate(`new Promise((resolve) => {
    const type = ${JSON.stringify(what === "page" ? "paint" : "element")};
    const observer = new PerformanceObserver((list) => {
      const entry = list.getEntries().find((e) => type === "paint" ? e.name === "first-contentful-paint" : e.identifier === "floor");
      if (entry) { observer.disconnect(); resolve(type === "paint" ? entry.startTime : entry.renderTime || entry.loadTime); }
    });
    observer.observe({ type, buffered: true });
    setTimeout(() => { observer.disconnect(); resolve(NaN); }, 2000);
  })`)) as number;
  if (!Number.isFinite(ms)) throw new Error(`bench: no first paint reported for ${url}`);
  return ms;
}

/** One load of each floor page, the browser's cache off for them (the image route's answers are no-store). */
export async function floorPaints(page: Page, context: BrowserContext): Promise<{ static: number; png: number }> {
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  try {
    return { static: await firstPaint(page, "/bench-floor/static.html", "page"), png: await firstPaint(page, "/bench-floor/png.html", "image") };
  } finally {
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: false });
    await cdp.detach();
  }
}
