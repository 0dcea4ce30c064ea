import { describe, expect, test } from "vitest";
import { createCornerstoneImage } from "@/lib/dicom/cornerstone-image";
import { decodePixels } from "@/lib/dicom/decode";
import { parseDicomAsync } from "@/lib/dicom/parse";
import { locate, readBytes } from "./support/references";

async function load(name: string) {
  const info = await parseDicomAsync(readBytes(locate(name)!));
  return { info, frame: await decodePixels(info) };
}

describe("createCornerstoneImage", () => {
  test.skipIf(!locate("mr-mono2-12bit-explicit-le.dcm"))("grayscale: stored range, header window, spacing, the pixels and the display table (rescale included)", async () => {
    const { info, frame } = await load("mr-mono2-12bit-explicit-le.dcm");
    const image = createCornerstoneImage("labgate:mr", info, frame);
    expect(image).toMatchObject({
      imageId: "labgate:mr",
      minPixelValue: 0,
      maxPixelValue: 595,
      // The rescale (3.774114, 0.000061) is in the display table, looked up by stored value.
      slope: 1,
      intercept: 0,
      windowCenter: 1000,
      windowWidth: 2000,
      rows: 1024,
      columns: 1024,
      height: 1024,
      width: 1024,
      color: false,
      rgba: false,
      invert: false,
      columnPixelSpacing: 0.195313,
      rowPixelSpacing: 0.195313,
      sizeInBytes: 1024 * 1024 * 2,
      modalityLUT: undefined,
      voiLUT: { firstValueMapped: 0, numBitsPerEntry: 8 },
    });
    expect(image.getPixelData()).toBe(frame.pixels);
    // Stored 265 → 1000.15 → the middle of window 1000/2000; one entry past the largest stored value.
    expect(image.voiLUT!.lut[265]).toBe(128);
    expect(image.voiLUT!.lut.length).toBe(597);
  });

  test.skipIf(!locate("cr-mono1-10bit-rle.dcm"))("MONOCHROME1 sets invert", async () => {
    const { info, frame } = await load("cr-mono1-10bit-rle.dcm");
    expect(createCornerstoneImage("cr", info, frame)).toMatchObject({ invert: true, windowCenter: 550, windowWidth: 1024, minPixelValue: 0, maxPixelValue: 1023 });
  });

  test.skipIf(!locate("signed-15bit-jpegls-lossless.dcm"))("no window: DICOM's full-range window over the modality values", async () => {
    const { info, frame } = await load("signed-15bit-jpegls-lossless.dcm");
    const image = createCornerstoneImage("s", info, frame);
    expect(image).toMatchObject({ windowCenter: (7 + 32760 + 1) / 2, windowWidth: 32760 - 7 + 1, minPixelValue: 7, maxPixelValue: 32760 });
    expect([image.voiLUT!.lut[0], image.voiLUT!.lut[32760 - 7]]).toEqual([0, 255]);
    expect(image.getPixelData()).toBeInstanceOf(Int16Array);
  });

  test.skipIf(!locate("voi-lut-sequence.dcm"))("a VOI LUT Sequence drives the display table", async () => {
    const { info, frame } = await load("voi-lut-sequence.dcm");
    const image = createCornerstoneImage("v", info, frame);
    expect(image.voiLUT).toMatchObject({ id: "display 0..255 lut 0", firstValueMapped: 0, numBitsPerEntry: 8 });
    // The 16-bit entries 0, 257, 514 of 65535, as 8-bit display values.
    expect(image.voiLUT!.lut.slice(0, 3)).toEqual([0, 1, 2]);
  });

  test.skipIf(!locate("us-rgb-explicit-le.dcm"))("colour: RGBA pixel data with opaque alpha", async () => {
    const { info, frame } = await load("us-rgb-explicit-le.dcm");
    const image = createCornerstoneImage("rgb", info, frame);
    expect(image).toMatchObject({ color: true, rgba: false, rows: 480, columns: 640, minPixelValue: 0, maxPixelValue: 255, sizeInBytes: 480 * 640 * 4 });
    const data = image.getPixelData();
    expect(Array.from(data.subarray(0, 4))).toEqual([...Array.from(frame.pixels.subarray(0, 3)), 255]);
  });
});
