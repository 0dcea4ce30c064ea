import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import { expect, type Locator, type Page } from "@playwright/test";
import { testDb } from "./db";

// Reference renderings (pydicom + GDCM) of the DICOM test files at their default window.
// display_mean is absent for colour files and the broken one.
export type Reference = { file: string; rows: number; columns: number; display_mean: number; reference_png?: string; expect?: "error" };
export const REFERENCES = readFileSync("tests/fixtures/dicom/references.jsonl", "utf8")
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l) as Reference);
export const reference = (file: string) => REFERENCES.find((r) => r.file === file)!;

// The canvas shows the image scaled to fit; a downscaled mean stays within this many gray levels of
// the full-resolution mean (cornerstone's linear window also rounds slightly differently from pydicom).
export const MEAN_TOLERANCE = 3;

/** Red channel of the image's area on a viewer's canvas (fit to window, centred, as cornerstone draws it). */
export async function canvasImagePixels(page: Page, image: { rows: number; columns: number }, viewer?: Locator): Promise<{ pixels: number[]; width: number }> {
  const canvas = (viewer ?? page).locator('[data-testid="viewer-image"] canvas');
  return canvas.evaluate((canvas: HTMLCanvasElement, { rows, columns }) => {
    const ctx = canvas.getContext("2d")!;
    const scale = Math.min(canvas.width / columns, canvas.height / rows);
    const w = Math.floor(columns * scale) - 6;
    const h = Math.floor(rows * scale) - 6;
    const x0 = Math.ceil((canvas.width - columns * scale) / 2) + 3;
    const y0 = Math.ceil((canvas.height - rows * scale) / 2) + 3;
    const data = ctx.getImageData(x0, y0, w, h).data;
    // One byte per pixel as a base64 string: a plain array of ~100k numbers is slow to hand over.
    let bytes = "";
    for (let i = 0; i < data.length; i += 4) bytes += String.fromCharCode(data[i]!);
    return { base64: btoa(bytes), width: w };
  }, image).then(({ base64, width }) => ({ pixels: [...Buffer.from(base64, "base64")], width }));
}

export const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

/**
 * Pixels of the watermark's warm tint (components/viewer/watermark.ts) in RGB(A) bytes: red well
 * above blue, which no pixel of a gray image is.
 */
export function tintedPixels(data: ArrayLike<number>, channels: number): number {
  let n = 0;
  for (let i = 0; i + 2 < data.length; i += channels) if (data[i]! - data[i + 2]! > 60) n++;
  return n;
}

/** The viewer canvas's own pixels (what copying or saving the canvas would get), as RGBA bytes. */
export async function canvasRgba(viewer: Locator): Promise<number[]> {
  return viewer.locator('[data-testid="viewer-image"] canvas').evaluate((canvas: HTMLCanvasElement) => {
    const d = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
    let bytes = "";
    for (let i = 0; i < d.length; i++) bytes += String.fromCharCode(d[i]!);
    return btoa(bytes);
  }).then((b64) => [...Buffer.from(b64, "base64")]);
}

/** Waits until cornerstone has drawn more often than `after` times. */
export async function renderedAfter(page: Page, after: number, viewer?: Locator): Promise<number> {
  const v = viewer ?? page.getByTestId("viewer");
  await expect(v).toHaveAttribute("data-state", "ready");
  await expect.poll(async () => Number(await v.getAttribute("data-renders"))).toBeGreaterThan(after);
  return Number(await v.getAttribute("data-renders"));
}

export async function auditRows(userId: string, action: string, targetId: string): Promise<{ outcome: string }[]> {
  const r = await testDb().execute<{ outcome: string }>(sql`select outcome from audit_log where actor_id = ${userId} and action = ${action} and target_id = ${targetId} order by id`);
  return r.rows;
}

export const imageViews = (userId: string, dicomId: string) => auditRows(userId, "image.view", dicomId);
