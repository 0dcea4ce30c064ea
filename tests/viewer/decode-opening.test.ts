import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { decodePixels, encapsulatedFrame } from "@/lib/dicom/decode";
import { decodeOpeningFrame, decompositionLevels } from "@/lib/dicom/decode-opening";
import { parseDicom } from "@/lib/dicom/parse";

const fixture = (name: string) => new Uint8Array(readFileSync(path.resolve("tests/fixtures/dicom", name)));

describe("a JPEG 2000 file's opening picture (decode-opening.ts)", () => {
  const info = parseDicom(fixture("cr-mono1-10bit-j2k-lossless.dcm"));

  it("is the coarsest resolution level drawn at most 2× enlarged, and shows what the full image shows", async () => {
    // 1760² fitted into 768×512 (0.29): 1/4 (440², 1.16× enlarged), not 1/8 (220², 2.3×).
    expect((await decodeOpeningFrame(info, { width: 768, height: 512 }))!.factor).toBe(4);
    // At one stored pixel per screen pixel: 1/2 (880²), not 1/4 (440² < 512).
    const opening = (await decodeOpeningFrame(info, { width: 768, height: 512 }, 1))!;
    expect(opening.factor).toBe(2);
    expect([opening.frame.columns, opening.frame.rows, opening.info.columns, opening.info.rows]).toEqual([880, 880, 880, 880]);
    // Its pixels are 2× as large: lengths measured on it would still come out right.
    const spaced = (await decodeOpeningFrame({ ...info, pixelSpacing: { row: 0.1, column: 0.15 } }, { width: 768, height: 512 }, 1))!;
    expect(spaced.info.pixelSpacing).toEqual({ row: 0.2, column: 0.3 });
    const full = await decodePixels(info, 0);
    if (full.kind !== "grayscale" || opening.frame.kind !== "grayscale") throw new Error("grayscale expected");
    // Each opening pixel against the mean of the 2×2 block it stands for: the reversible wavelet's
    // low band is that mean within a few gray levels, so the stand-in has the image's own gray levels.
    let worstMean = 0;
    let sum = 0;
    for (let y = 0; y < 880; y++) {
      for (let x = 0; x < 880; x++) {
        const at = (yy: number, xx: number) => full.pixels[yy * 1760 + xx]!;
        const block = (at(2 * y, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x) + at(2 * y + 1, 2 * x + 1)) / 4;
        const d = Math.abs(opening.frame.pixels[y * 880 + x]! - block);
        sum += d;
        worstMean = Math.max(worstMean, d);
      }
    }
    expect(sum / (880 * 880)).toBeLessThan(2);
    expect(opening.frame.minStored).toBeGreaterThanOrEqual(full.minStored - 4);
    expect(opening.frame.maxStored).toBeLessThanOrEqual(full.maxStored + 4);
  });

  it("goes further down for a smaller box, and not at all for a box the full image does not fill or a file that is not JPEG 2000", async () => {
    expect((await decodeOpeningFrame(info, { width: 400, height: 300 }, 1))!.factor).toBe(4);
    expect(await decodeOpeningFrame(info, { width: 1800, height: 1800 }, 1)).toBeNull();
    expect(await decodeOpeningFrame(info, { width: 1800, height: 1800 })).toBeNull();
    expect((await decodeOpeningFrame(info, { width: 1000, height: 1000 }))!.factor).toBe(2);
    expect(await decodeOpeningFrame(parseDicom(fixture("cr-mono1-10bit-jpegls-lossless.dcm")), { width: 200, height: 200 })).toBeNull();
  });

  it("never asks for more levels than the codestream has", async () => {
    const ref = info.pixelData!;
    if (!ref.encapsulated) throw new Error("encapsulated expected");
    expect(decompositionLevels(encapsulatedFrame(ref.frames[0]!, true))).toBe(5);
    // A 1-pixel box would want 1/2048; the codestream has 5 levels, so 1/32 (55²).
    const opening = (await decodeOpeningFrame(info, { width: 1, height: 1 }, 1))!;
    expect([opening.factor, opening.frame.columns]).toEqual([32, 55]);
    expect(decompositionLevels(new Uint8Array([0xff, 0x4f, 0xff, 0x90, 0, 10]))).toBeNull();
  });
});
