// Server-side thumbnails: rendered from real DICOM and JPG files, cached in a private directory,
// and which image each study's grid tile shows (real PostgreSQL).
import { randomUUID } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import * as jpegJs from "jpeg-js";
import { datasets } from "@/db/schema";
import { getDb } from "@/lib/db/client";
import { listStudyThumbnails } from "@/lib/thumbnails/study-thumbnails";
import { renderThumbnail, THUMBNAIL_SIZE, UnreadableImageError } from "@/lib/thumbnails/render-thumbnail";
import { createLimiter, getThumbnail } from "@/lib/thumbnails/thumbnail-cache";
import { locate, readReferences, type ImageReference } from "../dicom/support/references";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "labgate-thumbs-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const reference = (file: string) => readReferences().find((r) => r.file === file) as ImageReference;

async function grayMean(jpeg: Buffer): Promise<{ mean: number; width: number; height: number }> {
  const { data, info } = await sharp(jpeg).greyscale().raw().toBuffer({ resolveWithObject: true });
  return { mean: data.reduce((a, b) => a + b, 0) / data.length, width: info.width, height: info.height };
}

describe("renderThumbnail", () => {
  test.each(["cr-mono1-10bit-implicit-le.dcm", "mr-mono2-12bit-explicit-le.dcm", "cr-mono1-10bit-jpegls-lossless.dcm", "cr-mono1-10bit-deflated.dcm"])(
    "%s: a small JPEG, windowed and inverted as the viewer first shows it",
    async (file) => {
      const ref = reference(file);
      const jpeg = await renderThumbnail({ filePath: locate(file)!, contentType: "application/dicom" });
      expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
      const { mean, width, height } = await grayMean(jpeg);
      expect(Math.max(width, height)).toBe(THUMBNAIL_SIZE);
      expect(width / height).toBeCloseTo(ref.columns / ref.rows, 1);
      // The reference PNG's mean at full size; scaling and JPEG keep it within a few gray levels
      // (an image shown un-inverted or unwindowed would be tens of levels off).
      expect(Math.abs(mean - ref.display_mean!)).toBeLessThan(3);
    },
  );

  test("a JPG file is scaled down as it is", async () => {
    const data = Buffer.alloc(512 * 256 * 4);
    for (let i = 0; i < 512 * 256; i++) data.fill(i % 512 < 256 ? 30 : 220, i * 4, i * 4 + 3);
    const file = path.join(dir, "two-tone.jpg");
    writeFileSync(file, jpegJs.encode({ data, width: 512, height: 256 }, 95).data);
    const { mean, width, height } = await grayMean(await renderThumbnail({ filePath: file, contentType: "image/jpeg" }));
    expect([width, height]).toEqual([256, 128]);
    expect(Math.abs(mean - 125)).toBeLessThan(4);
  });

  test("a truncated DICOM or a broken JPG is an UnreadableImageError that says what is wrong", async () => {
    const truncated = renderThumbnail({ filePath: locate("truncated-j2k.dcm")!, contentType: "application/dicom" });
    await expect(truncated).rejects.toBeInstanceOf(UnreadableImageError);
    await expect(truncated).rejects.toThrow(/truncated/);
    const junk = path.join(dir, "junk.jpg");
    writeFileSync(junk, "not a jpeg at all");
    await expect(renderThumbnail({ filePath: junk, contentType: "image/jpeg" })).rejects.toBeInstanceOf(UnreadableImageError);
  });
});

describe("getThumbnail", () => {
  test("renders once, caches privately, serves the cached bytes, and renders again when the file changes", async () => {
    const cacheDir = path.join(dir, `cache-${randomUUID()}`);
    const filePath = path.join(dir, `${randomUUID()}.dcm`);
    copyFileSync(locate("mr-mono2-12bit-explicit-le.dcm")!, filePath);
    const image = { filePath, contentType: "application/dicom" as const, size: statSync(filePath).size };

    // Two requests at once: one render, one file.
    const [a, b] = await Promise.all([getThumbnail({ image, cacheDir }), getThumbnail({ image, cacheDir })]);
    expect(a.ok && b.ok).toBe(true);
    expect([a, b].map((r) => r.ok && r.cached)).toEqual([false, false]);
    const files = readdirSync(cacheDir, { recursive: true }).map(String).filter((f) => f.endsWith(".jpg"));
    expect(files).toHaveLength(1);
    const cached = path.join(cacheDir, files[0]!);
    expect(statSync(cached).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(cached)).mode & 0o077).toBe(0);

    const again = await getThumbnail({ image, cacheDir });
    expect(again).toEqual({ ok: true, cached: true, bytes: a.ok ? a.bytes : null });

    // Same path, new content: the key follows the file's size and time, so the stale copy is not served.
    copyFileSync(locate("cr-mono1-10bit-implicit-le.dcm")!, filePath);
    utimesSync(filePath, new Date(), new Date(Date.now() + 5000));
    const changed = await getThumbnail({ image, cacheDir });
    expect(changed.ok && changed.cached).toBe(false);
    expect(changed.ok && Buffer.compare(changed.bytes, a.ok ? a.bytes : Buffer.alloc(0))).not.toBe(0);
  });

  test("an unreadable file is a failed result (nothing cached); a missing one is an error", async () => {
    const cacheDir = path.join(dir, `cache-${randomUUID()}`);
    const image = { filePath: locate("truncated-j2k.dcm")!, contentType: "application/dicom" as const, size: 1 };
    const r = await getThumbnail({ image, cacheDir });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/truncated/);
    expect(existsSync(cacheDir)).toBe(false);
    await expect(getThumbnail({ image: { ...image, filePath: path.join(dir, "gone.dcm") }, cacheDir })).rejects.toThrow(/ENOENT/);
  });
});

test("createLimiter runs at most n at once, in order", async () => {
  const limit = createLimiter(2);
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: 7 }, (_, i) =>
      limit(async () => {
        running++;
        peak = Math.max(peak, running);
        order.push(i);
        await new Promise((r) => setTimeout(r, 5));
        running--;
      }),
    ),
  );
  expect(peak).toBe(2);
  expect(order).toEqual([0, 1, 2, 3, 4, 5, 6]);
});

describe("listStudyThumbnails", () => {
  let datasetId: string;
  const table = `mimic_image_thumbtest_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
  beforeAll(async () => {
    // A dataset of this file's own, so no other test's rows or imports are touched.
    const [d] = await getDb()
      .insert(datasets)
      .values({ slug: `thumbtest-${randomUUID().slice(0, 8)}`, version: "1.0.0", title: "Thumbnail test", duaName: "Test DUA", duaVersion: "1" })
      .returning({ id: datasets.id });
    datasetId = d!.id;
    await getDb().execute(sql.raw(`create table ${table} partition of mimic_image for values in ('${datasetId}')`));
    const rows: [string, number, string | null, boolean, string | null][] = [
      ["aaaaaaaa-0000-0000-0000-000000000001", 1, "LATERAL", true, "08:00"],
      ["aaaaaaaa-0000-0000-0000-000000000002", 1, "AP", true, "09:00"],
      ["aaaaaaaa-0000-0000-0000-000000000003", 1, "PA", false, "07:00"], // a PA, but not in lab storage
      ["aaaaaaaa-0000-0000-0000-000000000004", 2, "LATERAL", true, null],
      ["aaaaaaaa-0000-0000-0000-000000000005", 3, "PA", false, null],
      ["aaaaaaaa-0000-0000-0000-000000000006", 4, "AP", true, "10:00"],
      ["aaaaaaaa-0000-0000-0000-000000000007", 4, "PA", true, "11:00"],
    ];
    for (const [id, study, view, local, time] of rows) {
      await getDb().execute(sql`
        insert into mimic_image (dataset_id, dicom_id, study_id, subject_id, path, view_position, present_locally, study_time)
        values (${datasetId}, ${id}, ${study}, 10000001, ${`files/${id}.dcm`}, ${view}, ${local}, ${time}::time)`);
    }
  });

  test("one image per study with a local image: PA before AP before the rest, then the earliest", async () => {
    const map = await listStudyThumbnails({ datasetId, studyIds: [1, 2, 3, 4, 99] });
    expect(Object.fromEntries(map)).toEqual({
      1: "aaaaaaaa-0000-0000-0000-000000000002",
      2: "aaaaaaaa-0000-0000-0000-000000000004",
      4: "aaaaaaaa-0000-0000-0000-000000000007",
    });
    expect((await listStudyThumbnails({ datasetId, studyIds: [] })).size).toBe(0);
    expect((await listStudyThumbnails({ datasetId: randomUUID(), studyIds: [1, 2] })).size).toBe(0);
  });
});
