import { describe, expect, test } from "vitest";
import { decodePixels } from "@/lib/dicom/decode";
import { DicomParseError, UnsupportedTransferSyntaxError } from "@/lib/dicom/errors";
import { inflateRawNode } from "@/lib/dicom/inflate-node";
import { parseDicom, parseDicomAsync } from "@/lib/dicom/parse";
import { buildDicom, grayscaleImage, words } from "./support/build-dicom";
import { locate, readBytes } from "./support/references";

describe("parseDicom header values", () => {
  const bytes = buildDicom({
    elements: grayscaleImage({
      rows: 2,
      columns: 2,
      bitsAllocated: 16,
      bitsStored: 12,
      highBit: 11,
      pixels: words([0, 1, 2, 3]),
      extra: [
        { tag: 0x00080050, vr: "SH", value: "ACC-7" },
        { tag: 0x00080060, vr: "CS", value: "CT" },
        { tag: 0x00100020, vr: "LO", value: "PAT-1" },
        { tag: 0x00181164, vr: "DS", value: "0.1\\0.2" },
        { tag: 0x00185101, vr: "CS", value: "PA" },
        { tag: 0x0020000d, vr: "UI", value: "1.2.3.5" },
        { tag: 0x0020000e, vr: "UI", value: "1.2.3.6" },
        { tag: 0x00280030, vr: "DS", value: "0.139\\0.143" },
        { tag: 0x00281050, vr: "DS", value: "40\\400\\-600" },
        { tag: 0x00281051, vr: "DS", value: "350\\2000\\1500" },
        { tag: 0x00281052, vr: "DS", value: "-1024" },
        { tag: 0x00281053, vr: "DS", value: "1" },
        { tag: 0x00281054, vr: "LO", value: "HU" },
        { tag: 0x00281055, vr: "LO", value: "SOFT TISSUE\\BONE\\LUNG" },
        { tag: 0x00281056, vr: "CS", value: "SIGMOID" },
      ],
    }),
  });
  const info = parseDicom(bytes);

  test("keeps every window in order, each with its explanation; the first is the default", () => {
    expect(info.windows).toEqual([
      { center: 40, width: 350, explanation: "SOFT TISSUE" },
      { center: 400, width: 2000, explanation: "BONE" },
      { center: -600, width: 1500, explanation: "LUNG" },
    ]);
    expect(info.voiLutFunction).toBe("SIGMOID");
  });

  test("reads rescale, spacing, view position and the identifiers", () => {
    expect(info).toMatchObject({
      rescaleSlope: 1,
      rescaleIntercept: -1024,
      rescaleType: "HU",
      pixelSpacing: { row: 0.139, column: 0.143 },
      imagerPixelSpacing: { row: 0.1, column: 0.2 },
      viewPosition: "PA",
      patientId: "PAT-1",
      accessionNumber: "ACC-7",
      studyInstanceUID: "1.2.3.5",
      seriesInstanceUID: "1.2.3.6",
      sopInstanceUID: "1.2.3.4",
      modality: "CT",
      numberOfFrames: 1,
      samplesPerPixel: 1,
      bitsAllocated: 16,
      bitsStored: 12,
      highBit: 11,
      pixelRepresentation: 0,
      modalityLut: null,
      voiLuts: [],
    });
  });
});

test("a Modality LUT Sequence replaces rescale and is read with its explanation", () => {
  const lutData = words([100, 200, 300, 400]);
  const info = parseDicom(
    buildDicom({
      elements: grayscaleImage({
        rows: 1,
        columns: 2,
        bitsAllocated: 16,
        bitsStored: 16,
        highBit: 15,
        pixels: words([0, 3]),
        extra: [
          {
            tag: 0x00283000,
            vr: "SQ",
            value: [
              [
                { tag: 0x00283002, vr: "US", value: [4, 0, 16] },
                { tag: 0x00283003, vr: "LO", value: "OD" },
                { tag: 0x00283004, vr: "LO", value: "OD" },
                { tag: 0x00283006, vr: "OW", value: lutData },
              ],
            ],
          },
          { tag: 0x00281053, vr: "DS", value: "5" },
        ],
      }),
    }),
  );
  expect(info.modalityLut).toEqual({ firstValueMapped: 0, bitsPerEntry: 16, data: new Uint16Array([100, 200, 300, 400]), explanation: "OD" });
  expect(info.rescaleSlope).toBe(1);
});

describe("broken and unsupported input", () => {
  test("bytes that are not DICOM give a DicomParseError", () => {
    expect(() => parseDicom(new Uint8Array(300))).toThrow(DicomParseError);
  });

  test("native pixel data cut short gives a DicomParseError saying the file is truncated", () => {
    const whole = buildDicom({ elements: grayscaleImage({ rows: 4, columns: 4, bitsAllocated: 16, bitsStored: 16, highBit: 15, pixels: words(new Array(16).fill(7)) }) });
    expect(() => parseDicom(whole.subarray(0, whole.length - 6))).toThrow(/truncated/);
  });

  test("a file without pixel data gives a DicomParseError", () => {
    const bytes = buildDicom({ elements: grayscaleImage({ rows: 4, columns: 4, bitsAllocated: 16, bitsStored: 16, highBit: 15 }) });
    expect(() => parseDicom(bytes)).toThrow(DicomParseError);
  });

  test("an unsupported transfer syntax is named in the error", async () => {
    const info = parseDicom(
      buildDicom({
        transferSyntax: "1.2.840.10008.1.2.4.100",
        elements: grayscaleImage({ rows: 2, columns: 2, bitsAllocated: 8, bitsStored: 8, highBit: 7 }),
        encapsulated: [new Uint8Array([0, 0, 1, 0xb3])],
      }),
    );
    const error = await decodePixels(info).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedTransferSyntaxError);
    expect((error as Error).message).toContain("MPEG2 Main Profile / Main Level (transfer syntax 1.2.840.10008.1.2.4.100)");
  });
});

describe("Deflated Explicit VR Little Endian", () => {
  const file = locate("cr-mono1-10bit-deflated.dcm");

  test.skipIf(!file)("parses synchronously with the node:zlib inflater, like the async stream path", async () => {
    const bytes = readBytes(file!);
    const sync = parseDicom(bytes, { inflateRaw: inflateRawNode });
    const viaStreams = await parseDicomAsync(bytes);
    expect(sync.windows).toEqual([{ center: 550, width: 1024, explanation: null }]);
    const a = await decodePixels(sync);
    const b = await decodePixels(viaStreams);
    expect(a.pixels.length).toBe(1760 * 1760);
    expect(Buffer.from(a.pixels.buffer).equals(Buffer.from(b.pixels.buffer))).toBe(true);
  });

  test.skipIf(!file)("without an inflater the synchronous parse says what to use", () => {
    expect(() => parseDicom(readBytes(file!))).toThrow(/parseDicomAsync/);
  });

  test.skipIf(!file)("a corrupt deflate stream gives a DicomParseError", async () => {
    const bytes = readBytes(file!).slice(0, 4000);
    bytes.fill(0xff, 1000, 1200);
    await expect(parseDicomAsync(bytes)).rejects.toBeInstanceOf(DicomParseError);
  });
});
