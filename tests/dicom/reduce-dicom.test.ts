import { describe, expect, test } from "vitest";
import { decodePixels } from "@/lib/dicom/decode";
import { parseDicomAsync } from "@/lib/dicom/parse";
import { reduceDicom, reduceDicomToFit } from "@/lib/dicom/reduce-dicom";
import { locate, readBytes } from "./support/references";

async function load(bytes: Uint8Array) {
  const info = await parseDicomAsync(bytes);
  return { info, frame: await decodePixels(info) };
}

describe("reduceDicom", () => {
  for (const name of ["mr-mono2-12bit-explicit-le.dcm", "cr-mono1-10bit-implicit-le.dcm", "voi-lut-sequence.dcm"]) {
    test.skipIf(!locate(name))(`${name}: the header as it was, every f-th stored pixel of every f-th row`, async () => {
      const bytes = readBytes(locate(name)!);
      const full = await load(bytes);
      for (const f of [2, 4] as const) {
        const reducedBytes = reduceDicom(bytes, f);
        expect(reducedBytes, `f=${f}`).not.toBeNull();
        expect(reducedBytes!.length).toBeLessThan(bytes.length / (f * f) + 64 * 1024);
        const reduced = await load(reducedBytes!);
        const rows = Math.floor(full.info.rows / f);
        const columns = Math.floor(full.info.columns / f);
        expect({ rows: reduced.info.rows, columns: reduced.info.columns }).toEqual({ rows, columns });
        // Everything that decides the gray levels is unchanged.
        expect(reduced.info.photometricInterpretation).toBe(full.info.photometricInterpretation);
        expect(JSON.stringify({ ...reduced.info, rows: 0, columns: 0, pixelData: null })).toBe(JSON.stringify({ ...full.info, rows: 0, columns: 0, pixelData: null }));
        if (reduced.frame.kind !== "grayscale" || full.frame.kind !== "grayscale") throw new Error("expected grayscale frames");
        const half = f >> 1;
        let mismatches = 0;
        for (let y = 0; y < rows; y++) {
          for (let x = 0; x < columns; x++) {
            if (reduced.frame.pixels[y * columns + x] !== full.frame.pixels[(y * f + half) * full.info.columns + x * f + half]) mismatches++;
          }
        }
        expect(mismatches, `f=${f}`).toBe(0);
      }
    });
  }

  test.skipIf(!locate("cr-mono1-10bit-jpegls-lossless.dcm") || !locate("us-rgb-explicit-le.dcm"))("leaves compressed and colour files alone", () => {
    expect(reduceDicom(readBytes(locate("cr-mono1-10bit-jpegls-lossless.dcm")!), 2)).toBeNull();
    expect(reduceDicom(readBytes(locate("us-rgb-explicit-le.dcm")!), 2)).toBeNull();
    expect(reduceDicom(new Uint8Array([1, 2, 3]), 2)).toBeNull();
  });

  test.skipIf(!locate("cr-mono1-10bit-implicit-le.dcm"))("picks the factor from the file's size and the viewport's", async () => {
    const bytes = readBytes(locate("cr-mono1-10bit-implicit-le.dcm")!); // 1760×1760
    const fitted = reduceDicomToFit(bytes, { width: 768, height: 512 });
    expect(fitted?.factor).toBe(2);
    expect(Buffer.from(fitted!.bytes).equals(Buffer.from(reduceDicom(bytes, 2)!))).toBe(true);
    expect(reduceDicomToFit(bytes, { width: 200, height: 200 })?.factor).toBe(8);
    // Already fits: a copy would save nothing.
    expect(reduceDicomToFit(bytes, { width: 4000, height: 4000 })).toBeNull();
  });
});
