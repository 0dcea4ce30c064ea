import { describe, expect, test } from "vitest";
import { decodeRle } from "@/lib/dicom/codecs/rle";
import { decodePixels } from "@/lib/dicom/decode";
import { DicomDecodeError } from "@/lib/dicom/errors";
import { parseDicom } from "@/lib/dicom/parse";
import { buildDicom, grayscaleImage, words } from "./support/build-dicom";

describe("uncompressed pixels", () => {
  test("BitsStored/HighBit masking drops the bits outside the stored field and sign-extends it", async () => {
    // 12 stored bits at bits 2…13 (HighBit 13); bits 0–1 and 14–15 hold junk that must not show.
    const stored = [-5, 2047, -2048, 0];
    const raw = stored.map((v) => (((v & 0xfff) << 2) | 0b11 | 0xc000) & 0xffff);
    const info = parseDicom(
      buildDicom({ elements: grayscaleImage({ rows: 2, columns: 2, bitsAllocated: 16, bitsStored: 12, highBit: 13, signed: true, pixels: words(raw) }) }),
    );
    const frame = await decodePixels(info);
    if (frame.kind !== "grayscale") throw new Error("expected grayscale");
    expect(frame.pixels).toBeInstanceOf(Int16Array);
    expect(Array.from(frame.pixels)).toEqual(stored);
    expect([frame.minStored, frame.maxStored]).toEqual([-2048, 2047]);
  });

  test("unsigned 16-bit values keep their low BitsStored bits", async () => {
    const info = parseDicom(
      buildDicom({ elements: grayscaleImage({ rows: 1, columns: 3, bitsAllocated: 16, bitsStored: 10, highBit: 9, pixels: words([0xfc00 | 1023, 0x8000 | 5, 512, 0]).subarray(0, 6) }) }),
    );
    const frame = await decodePixels(info);
    expect(frame.pixels).toBeInstanceOf(Uint16Array);
    expect(Array.from(frame.pixels)).toEqual([1023, 5, 512]);
  });

  test("8-bit signed pixels become an Int8Array", async () => {
    const info = parseDicom(
      buildDicom({ elements: grayscaleImage({ rows: 1, columns: 4, bitsAllocated: 8, bitsStored: 8, highBit: 7, signed: true, pixels: new Uint8Array([0x80, 0xff, 0, 0x7f]) }) }),
    );
    const frame = await decodePixels(info);
    expect(frame.pixels).toBeInstanceOf(Int8Array);
    expect(Array.from(frame.pixels)).toEqual([-128, -1, 0, 127]);
  });

  test("multi-frame files decode the frame asked for, and refuse one that does not exist", async () => {
    const info = parseDicom(
      buildDicom({
        elements: grayscaleImage({
          rows: 1,
          columns: 2,
          bitsAllocated: 16,
          bitsStored: 16,
          highBit: 15,
          pixels: words([1, 2, 3, 4, 5, 6]),
          extra: [{ tag: 0x00280008, vr: "IS", value: "3" }],
        }),
      }),
    );
    expect(Array.from((await decodePixels(info, 2)).pixels)).toEqual([5, 6]);
    await expect(decodePixels(info, 3)).rejects.toBeInstanceOf(RangeError);
  });
});

describe("RLE Lossless", () => {
  function rleFrame(segments: number[][]): Uint8Array {
    const header = new DataView(new ArrayBuffer(64));
    header.setUint32(0, segments.length, true);
    let offset = 64;
    segments.forEach((s, i) => {
      header.setUint32(4 + 4 * i, offset, true);
      offset += s.length;
    });
    return new Uint8Array([...new Uint8Array(header.buffer), ...segments.flat()]);
  }

  test("decodes literal runs, repeat runs and the −128 no-op, high byte segment first", () => {
    // 4 pixels of 16 bits: high bytes [1, 1, 1, 2] (repeat 3, then literal 1), low bytes [9, 8, 7, 6].
    const high = [0xfe, 1, 0x80, 0x00, 2];
    const low = [0x03, 9, 8, 7, 6];
    const out = decodeRle(rleFrame([high, low]), { rows: 2, columns: 2, samplesPerPixel: 1, bytesPerSample: 2 });
    expect(Array.from(new Uint16Array(out.buffer))).toEqual([0x0109, 0x0108, 0x0107, 0x0206]);
  });

  test("a segment that ends before the image does is a DicomDecodeError", () => {
    expect(() => decodeRle(rleFrame([[0x01, 5, 5]]), { rows: 2, columns: 2, samplesPerPixel: 1, bytesPerSample: 1 })).toThrow(DicomDecodeError);
  });

  test("the wrong number of segments is a DicomDecodeError", () => {
    expect(() => decodeRle(rleFrame([[0xfd, 1]]), { rows: 2, columns: 2, samplesPerPixel: 1, bytesPerSample: 2 })).toThrow(/segments/);
  });
});
