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
// the full-resolution mean. (Exact comparisons: diffAgainstReference below.)
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

/** Room the canvas watermark (components/viewer/watermark.ts) takes at the bottom right, in CSS pixels, with its shadow. */
const WATERMARK_BOX = { width: 400, height: 48 };

/**
 * The viewer's canvas against a reference rendering at full resolution, drawn by the page's own
 * canvas with the transform cornerstone uses for a fitted image (centred, scale = min(W/cols, H/rows))
 * and the same source form (white with the gray level as alpha for grayscale, as cornerstone's
 * render canvas): equal display values give equal canvas pixels, so any difference is the viewer's.
 * Every canvas pixel is compared except the watermark's box. `gray`: one byte per pixel; `rgb`: three.
 */
export async function diffAgainstReference(viewer: Locator, image: { rows: number; columns: number }, reference: { gray?: Uint8Array; rgb?: Uint8Array }): Promise<{ maxDiff: number; differing: number; compared: number }> {
  const b64 = Buffer.from((reference.gray ?? reference.rgb)!).toString("base64");
  return viewer.locator('[data-testid="viewer-image"] canvas').evaluate(
    (canvas: HTMLCanvasElement, { b64, rows, columns, color, box }) => {
      const bin = atob(b64);
      const src = document.createElement("canvas");
      [src.width, src.height] = [columns, rows];
      const data = new ImageData(columns, rows);
      for (let i = 0, j = 0; j < data.data.length; j += 4) {
        if (color) {
          data.data[j] = bin.charCodeAt(i++);
          data.data[j + 1] = bin.charCodeAt(i++);
          data.data[j + 2] = bin.charCodeAt(i++);
          data.data[j + 3] = 255;
        } else {
          data.data[j] = data.data[j + 1] = data.data[j + 2] = 255;
          data.data[j + 3] = bin.charCodeAt(i++);
        }
      }
      src.getContext("2d")!.putImageData(data, 0, 0);
      const out = document.createElement("canvas");
      [out.width, out.height] = [canvas.width, canvas.height];
      const ctx = out.getContext("2d", { willReadFrequently: true })!;
      ctx.fillStyle = "black";
      ctx.fillRect(0, 0, out.width, out.height);
      ctx.imageSmoothingEnabled = true;
      const s = Math.min(canvas.width / columns, canvas.height / rows);
      ctx.setTransform(s, 0, 0, s, canvas.width / 2 - (columns * s) / 2, canvas.height / 2 - (rows * s) / 2);
      ctx.drawImage(src, 0, 0, columns, rows, 0, 0, columns, rows);
      const ours = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
      const theirs = ctx.getImageData(0, 0, out.width, out.height).data;
      const css = canvas.clientWidth > 0 ? canvas.width / canvas.clientWidth : 1;
      const [bx, by] = [canvas.width - box.width * css, canvas.height - box.height * css];
      let maxDiff = 0;
      let differing = 0;
      let compared = 0;
      for (let y = 0; y < canvas.height; y++) {
        for (let x = 0; x < canvas.width; x++) {
          if (x >= bx && y >= by) continue;
          compared++;
          const k = (y * canvas.width + x) * 4;
          const d = Math.max(Math.abs(ours[k]! - theirs[k]!), Math.abs(ours[k + 1]! - theirs[k + 1]!), Math.abs(ours[k + 2]! - theirs[k + 2]!));
          if (d > 0) differing++;
          if (d > maxDiff) maxDiff = d;
        }
      }
      return { maxDiff, differing, compared };
    },
    { b64, rows: image.rows, columns: image.columns, color: !reference.gray, box: WATERMARK_BOX },
  );
}
