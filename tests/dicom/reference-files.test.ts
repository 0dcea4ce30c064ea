// Every reference DICOM file, parsed, decoded and rendered with default settings, against the values
// pydicom + GDCM produced for it (tests/fixtures/dicom/references.jsonl and ref/*.png).
import { describe, expect, test } from "vitest";
import { decodePixels } from "@/lib/dicom/decode";
import { DicomParseError } from "@/lib/dicom/errors";
import { parseDicomAsync } from "@/lib/dicom/parse";
import { renderToRgba } from "@/lib/dicom/render";
import { modalityValue } from "@/lib/dicom/voi";
import { readPng } from "./support/png";
import { locate, readBytes, readReferences, type ImageReference } from "./support/references";

const references = readReferences();
const images = references.filter((r): r is ImageReference => !("expect" in r));
const LOSSY = new Set(["1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.81", "1.2.840.10008.1.2.4.91"]);

describe.each(images)("$file", (ref) => {
  const file = locate(ref.file);
  test.skipIf(!file)("matches its reference header, modality values and display image", async () => {
    const info = await parseDicomAsync(readBytes(file!));
    expect(info.transferSyntaxUID).toBe(ref.transfer_syntax);
    expect(info.transferSyntaxName).toBe(ref.transfer_syntax_name);
    expect(info.photometricInterpretation).toBe(ref.photometric);
    expect([info.rows, info.columns]).toEqual([ref.rows, ref.columns]);
    expect(info.bitsStored).toBe(ref.bits_stored);
    expect(info.pixelRepresentation).toBe(ref.pixel_representation);

    const frame = await decodePixels(info);
    expect([frame.rows, frame.columns]).toEqual([ref.rows, ref.columns]);
    const rgba = renderToRgba(info, frame);
    const png = readPng(readBytes(locate(ref.reference_png)!));
    expect([png.height, png.width]).toEqual([ref.rows, ref.columns]);

    if (frame.kind === "grayscale") {
      let min = Infinity;
      let max = -Infinity;
      let sum = 0;
      for (const stored of frame.pixels) {
        const m = modalityValue(info, stored);
        min = Math.min(min, m);
        max = Math.max(max, m);
        sum += m;
      }
      expect(min).toBeCloseTo(ref.modality_min!, 6);
      expect(max).toBeCloseTo(ref.modality_max!, 6);
      expect(sum / frame.pixels.length).toBeCloseTo(ref.modality_mean!, 3);
    }

    // Display image: every pixel against the reference PNG.
    const channels = png.channels;
    let displaySum = 0;
    let maxDiff = 0;
    let differing = 0;
    for (let i = 0; i < ref.rows * ref.columns; i++) {
      for (let c = 0; c < channels; c++) {
        const ours = rgba[i * 4 + c]!;
        const diff = Math.abs(ours - png.data[i * channels + c]!);
        if (diff > 0) differing++;
        if (diff > maxDiff) maxDiff = diff;
      }
      displaySum += rgba[i * 4]!;
    }
    if (ref.display_mean !== undefined) expect(displaySum / (ref.rows * ref.columns)).toBeCloseTo(ref.display_mean, 3);
    if (ref.grid) {
      const ours = ref.grid_rows!.map((r) => ref.grid_cols!.map((c) => rgba[(r * ref.columns + c) * 4]!));
      expect(ours).toEqual(ref.grid);
    }
    if (LOSSY.has(ref.transfer_syntax)) {
      // Our float IDCT against libjpeg's integer one: off by one gray level on under 0.5% of pixels.
      expect(maxDiff).toBeLessThanOrEqual(1);
      expect(differing / (ref.rows * ref.columns * channels)).toBeLessThan(0.005);
    } else {
      expect({ maxDiff, differing }).toEqual({ maxDiff: 0, differing: 0 });
    }
  });
});

describe("the truncated file", () => {
  const ref = references.find((r) => "expect" in r)!;
  const file = locate(ref.file);
  test.skipIf(!file)("is refused with a DicomParseError that says it is truncated", async () => {
    const error = await parseDicomAsync(readBytes(file!)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DicomParseError);
    expect((error as DicomParseError).code).toBe("parse");
    expect((error as Error).message).toMatch(/truncated/);
  });
});
