// The viewer's first picture of a large DICOM (lib/thumbnails/render-preview.ts) against the display
// images pydicom + GDCM made of the whole file: every pixel of the preview is the reference's pixel
// at the centre of its f×f block, so windowing, inversion and orientation are the viewer's own.
import { describe, expect, test } from "vitest";
import { reducibleSyntax } from "@/lib/dicom/reduce-dicom";
import { renderPreview } from "@/lib/thumbnails/render-preview";
import { readPng } from "../dicom/support/png";
import { locate, readBytes, readReferences, type ImageReference } from "../dicom/support/references";

const BOX = { width: 768, height: 512 };
const images = readReferences().filter((r): r is ImageReference => !("expect" in r));
const byFile = (file: string) => images.find((r) => r.file === file)!;

describe("renderPreview", () => {
  for (const name of ["cr-large-mono2-12bit-explicit-le.dcm", "cr-mono1-10bit-implicit-le.dcm", "mr-mono2-12bit-explicit-le.dcm"]) {
    const ref = byFile(name);
    test.skipIf(!locate(name))(`${name} (${ref.display}): the reference display image, one pixel in f×f`, async () => {
      const preview = await renderPreview(readBytes(locate(name)!), BOX);
      expect(preview).not.toBeNull();
      const { png, factor, width, height } = preview!;
      // One stored pixel still per screen pixel when fitted into the box, and no more than needed.
      const fitted = Math.min(BOX.width / ref.columns, BOX.height / ref.rows);
      expect(fitted * factor).toBeLessThanOrEqual(1);
      expect(fitted * factor * 2).toBeGreaterThan(1);
      const image = readPng(new Uint8Array(png));
      expect({ width: image.width, height: image.height, channels: image.channels }).toEqual({ width: Math.floor(ref.columns / factor), height: Math.floor(ref.rows / factor), channels: 1 });
      expect({ width, height }).toEqual({ width: image.width, height: image.height });
      const reference = readPng(readBytes(locate(ref.reference_png)!));
      const half = factor >> 1;
      let differing = 0;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          if (image.data[y * width + x] !== reference.data[(y * factor + half) * ref.columns + x * factor + half]) differing++;
        }
      }
      expect(differing).toBe(0);
    });
  }

  for (const [name, why] of [
    ["cr-mono1-10bit-rle.dcm", "compressed"],
    ["cr-mono1-10bit-jpegls-lossless.dcm", "compressed"],
    ["us-rgb-explicit-le.dcm", "colour"],
    ["voi-lut-sequence.dcm", "already fits"],
  ] as const) {
    test.skipIf(!locate(name))(`${name}: no preview (${why}); the viewer shows the file itself`, async () => {
      expect(await renderPreview(readBytes(locate(name)!), BOX)).toBeNull();
    });
  }

  test("a box the image already fits gives no preview", async () => {
    expect(await renderPreview(readBytes(locate("mr-mono2-12bit-explicit-le.dcm")!), { width: 1024, height: 1024 })).toBeNull();
  });

  test("a compressed file is told from its first 16 KB, before any of its pixels are read", () => {
    const prefix = (name: string) => readBytes(locate(name)!).subarray(0, 16 * 1024);
    for (const name of ["cr-mono1-10bit-j2k-lossless.dcm", "cr-mono1-10bit-rle.dcm", "cr-mono1-10bit-jpegls-lossless.dcm", "cr-mono1-10bit-big-endian.dcm", "cr-mono1-10bit-deflated.dcm"]) expect(reducibleSyntax(prefix(name)), name).toBe(false);
    for (const name of ["cr-mono1-10bit-implicit-le.dcm", "mr-mono2-12bit-explicit-le.dcm"]) expect(reducibleSyntax(prefix(name)), name).toBe(true);
    expect(reducibleSyntax(new Uint8Array(100))).toBeNull();
  });
});
