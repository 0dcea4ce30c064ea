// A damaged or cut-short codestream must end in a DicomDecodeError, never a crash, hang or silent garbage.
import { describe, expect, test } from "vitest";
import { decodePixels } from "@/lib/dicom/decode";
import { DicomDecodeError } from "@/lib/dicom/errors";
import { parseDicomAsync } from "@/lib/dicom/parse";
import type { DicomImageInfo } from "@/lib/dicom/types";
import { locate, readBytes } from "./support/references";

const COMPRESSED = [
  "cr-mono1-10bit-j2k-lossless.dcm",
  "cr-mono1-10bit-jpeg-extended.dcm",
  "cr-mono1-10bit-jpeg-lossless-sv1.dcm",
  "cr-mono1-10bit-jpegls-lossless.dcm",
  "cr-mono1-10bit-rle.dcm",
];

function withFrame(info: DicomImageInfo, data: Uint8Array): DicomImageInfo {
  return { ...info, pixelData: { encapsulated: true, frames: [[data]] } };
}

function wholeFrame(info: DicomImageInfo): Uint8Array {
  if (!info.pixelData?.encapsulated) throw new Error("expected encapsulated pixel data");
  return info.pixelData.frames[0]![0]!;
}

describe.each(COMPRESSED)("%s", (name) => {
  const file = locate(name);

  test.skipIf(!file)("cut to a fifth of its codestream gives a DicomDecodeError", async () => {
    const info = await parseDicomAsync(readBytes(file!));
    const data = wholeFrame(info);
    const cut = data.slice(0, Math.floor(data.length / 5));
    await expect(decodePixels(withFrame(info, cut))).rejects.toBeInstanceOf(DicomDecodeError);
  });

  test.skipIf(!file)("with its first 200 bytes zeroed gives a DicomDecodeError", async () => {
    const info = await parseDicomAsync(readBytes(file!));
    const data = wholeFrame(info).slice();
    data.fill(0, 0, 200);
    await expect(decodePixels(withFrame(info, data))).rejects.toBeInstanceOf(DicomDecodeError);
  });
});
