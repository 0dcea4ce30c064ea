// Encapsulated pixel data as scanners write it (PS3.5 A.4): padding after the codestream's end
// marker, a frame over several fragments, an empty or filled Basic Offset Table, an Extended Offset
// Table. Each is the fixture's own codestream re-wrapped (tests/dicom/support/rewrap.ts), so it must
// decode to exactly the fixture's pixels; a file really cut short is still refused as truncated.
import { describe, expect, test } from "vitest";
import { decodeDicomFile } from "@/lib/dicom/decode-file";
import { DicomDecodeError, DicomParseError, type DicomError } from "@/lib/dicom/errors";
import { parseDicomAsync } from "@/lib/dicom/parse";
import { locate, readBytes } from "./support/references";
import { codestreamOf, rewrap, type Wrapping } from "./support/rewrap";

const bytesOf = (value: number, n: number) => new Uint8Array(n).fill(value);

/** Pixels that differ (a plain loop: deep equality of millions of values is far too slow in expect). */
function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

const WRAPPINGS: Record<string, Wrapping> = {
  "0x00 padding after the end marker": { padding: bytesOf(0, 10) },
  "three fragments, filled Basic Offset Table, 0xFF padding (odd: one more pad byte)": { split: [1000, 4000], basicOffsetTable: true, padding: bytesOf(0xff, 9) },
  "two fragments, empty Basic Offset Table, Extended Offset Table (OV), 0xFF padding": { split: [3000], extendedOffsetTable: true, padding: bytesOf(0xff, 4) },
};

// Every wrapping on the codec that cared (JPEG Lossless refused padding; the OV table broke parsing for all).
describe.each(["cr-mono1-10bit-jpeg-lossless-sv1.dcm"])("%s", (name) => {
  const file = locate(name);
  test.skipIf(!file)("decodes to the same pixels however it is wrapped", async () => {
    const original = readBytes(file!);
    const expected = (await decodeDicomFile(original)).frame.pixels;
    for (const [what, wrapping] of Object.entries(WRAPPINGS)) {
      const { frame } = await decodeDicomFile(rewrap(original, wrapping));
      expect(differing(frame.pixels, expected), what).toBe(0);
    }
  });
});

// The other codecs, once each, with everything at once.
describe.each(["cr-mono1-10bit-jpegls-lossless.dcm", "cr-mono1-10bit-j2k-lossless.dcm", "cr-mono1-10bit-rle.dcm"])("%s", (name) => {
  const file = locate(name);
  test.skipIf(!file)("split over fragments with an Extended Offset Table and 0xFF padding: the same pixels", async () => {
    const original = readBytes(file!);
    const expected = (await decodeDicomFile(original)).frame.pixels;
    // RLE has no end marker: its segments' lengths are in its own header, so padding after them is ignored too.
    const { frame } = await decodeDicomFile(rewrap(original, { split: [2000, 2000], extendedOffsetTable: true, padding: bytesOf(0xff, 8) }));
    expect(differing(frame.pixels, expected)).toBe(0);
  });
});

test.skipIf(!locate("cr-mono1-10bit-jpegls-lossless.dcm"))("a file that really ends inside its pixel data is refused as truncated; the padded one is not", async () => {
  const padded = rewrap(readBytes(locate("cr-mono1-10bit-jpegls-lossless.dcm")!), { padding: bytesOf(0, 100) });
  await expect(parseDicomAsync(padded)).resolves.toBeTruthy();
  const cut = padded.subarray(0, padded.length - 5000);
  const error = await parseDicomAsync(cut).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DicomParseError);
  expect((error as Error).message).toMatch(/truncated/);
});

test.skipIf(!locate("cr-mono1-10bit-jpegls-lossless.dcm"))("pixels that cannot be decoded: the error still carries the header, for the header panel", async () => {
  const original = readBytes(locate("cr-mono1-10bit-jpegls-lossless.dcm")!);
  const damaged = rewrap(original, {});
  // Pixel data header (12 bytes), empty Basic Offset Table item (8), fragment item header (8).
  const start = codestreamOf(original).head.length + 28;
  damaged.fill(0, start, start + 200);
  const error = (await decodeDicomFile(damaged).catch((e: unknown) => e)) as DicomError;
  expect(error).toBeInstanceOf(DicomDecodeError);
  expect(error.header?.find((r) => r.tag === "(0028,0010)")).toMatchObject({ keyword: "Rows", value: "1760" });
  // Item delimiters are not content.
  expect(error.header?.some((r) => r.tag === "(FFFE,E00D)" || r.tag === "(FFFE,E0DD)")).toBe(false);
});
