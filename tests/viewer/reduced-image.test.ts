import { describe, expect, test } from "vitest";
import { reducedImage, reductionFor } from "@/components/viewer/reduced-image";
import type { LabgateImage } from "@/components/viewer/labgate-image-loader";
import { createCornerstoneImage } from "@/lib/dicom/cornerstone-image";
import { decodeDicomFile } from "@/lib/dicom/decode-file";
import { locate, readBytes } from "../dicom/support/references";

async function labgateImage(file: string): Promise<LabgateImage> {
  const { info, frame, frames, header } = await decodeDicomFile(readBytes(locate(file)!));
  return Object.assign(createCornerstoneImage(`labgate:/${file}`, info, frame), { labgate: { info, frame, frames, frameIndex: 0, header, source: "dicom" as const, decodedIn: "main-thread" as const } });
}

describe("the reduced copy shown during a window/level drag", () => {
  test("is used only while it keeps at least one stored pixel per screen pixel", () => {
    expect(reductionFor(1)).toBe(1);
    expect(reductionFor(0.6)).toBe(1);
    expect(reductionFor(0.5)).toBe(2);
    expect(reductionFor(0.3)).toBe(2);
    expect(reductionFor(0.17)).toBe(4); // a MIMIC-CXR radiograph fitted into the viewer
    expect(reductionFor(0.01)).toBe(8);
  });

  test("holds the centre pixel of each block, the full image's value range and spacing × f", async () => {
    const full = await labgateImage("mr-mono2-12bit-explicit-le.dcm");
    const reduced = reducedImage(full, 4)!;
    expect([reduced.rows, reduced.columns]).toEqual([256, 256]);
    const src = full.getPixelData();
    const dst = reduced.getPixelData();
    for (const [y, x] of [[0, 0], [10, 200], [255, 255], [128, 3]] as const) expect(dst[y * 256 + x]).toBe(src[(y * 4 + 2) * 1024 + x * 4 + 2]);
    // Same value range, window and modality rescale: the same gray level for the same stored value.
    expect([reduced.minPixelValue, reduced.maxPixelValue, reduced.windowCenter, reduced.windowWidth, reduced.slope, reduced.intercept]).toEqual([full.minPixelValue, full.maxPixelValue, full.windowCenter, full.windowWidth, full.slope, full.intercept]);
    expect(reduced.columnPixelSpacing).toBeCloseTo(full.columnPixelSpacing! * 4, 9);
    expect(reduced.rowPixelSpacing).toBeCloseTo(full.rowPixelSpacing! * 4, 9);
    expect(reduced.invert).toBe(full.invert);
    expect(reduced.imageId).not.toBe(full.imageId);
    // The tools keep reading the full image.
    expect(reduced.labgate).toBe(full.labgate);
  });

  test("is not made for colour images or factor 1", async () => {
    expect(reducedImage(await labgateImage("us-rgb-explicit-le.dcm"), 2)).toBeNull();
    expect(reducedImage(await labgateImage("mr-mono2-12bit-explicit-le.dcm"), 1)).toBeNull();
  });
});
