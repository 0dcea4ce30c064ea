// The viewer's screen against lib/dicom/render.ts (the preview, the thumbnails and the reference
// tests): cornerstone-core's own table generator, fed the image and the viewport's VOI LUT the
// viewer gives it, must produce render.ts's byte for every stored value, at any window.
import { beforeAll, describe, expect, test } from "vitest";
import { windowLut } from "@/components/viewer/exact-display";
import type { LabgateImage } from "@/components/viewer/labgate-image-loader";
import { createCornerstoneImage, type CornerstoneImage, type CornerstoneLut } from "@/lib/dicom/cornerstone-image";
import { decodeDicomFile } from "@/lib/dicom/decode-file";
import { buildDisplayLut, type RenderOptions } from "@/lib/dicom/render";
import type { VoiLutFunction } from "@/lib/dicom/types";
import { locate, readBytes, readReferences } from "../dicom/support/references";

type GenerateLut = (image: CornerstoneImage, ww: number, wc: number, invert: boolean, modalityLUT?: CornerstoneLut, voiLUT?: CornerstoneLut) => Uint8ClampedArray;
let generateLut: GenerateLut;

beforeAll(async () => {
  // cornerstone-core's bundle touches window and document.createElement when it loads; its table
  // code itself is plain arithmetic.
  Object.assign(globalThis, { window: globalThis, document: { createElement: () => ({ getContext: () => null }) } });
  const cs = (await import("cornerstone-core")) as unknown as { default: { generateLut: GenerateLut } };
  generateLut = cs.default.generateLut;
});

async function labgateImage(file: string): Promise<LabgateImage> {
  const { info, frame, frames, header } = await decodeDicomFile(readBytes(locate(file)!));
  return Object.assign(createCornerstoneImage(`labgate:/${file}`, info, frame), { labgate: { info, frame, frames, frameIndex: 0, header, source: "dicom" as const, decodedIn: "main-thread" as const } });
}

/** Largest difference, over every stored value, between what cornerstone draws and render.ts. */
function maxDiff(image: LabgateImage, voiLUT: CornerstoneLut | undefined, ww: number, wc: number, options: RenderOptions): number {
  const { info, frame } = image.labgate;
  if (frame.kind !== "grayscale") throw new Error("grayscale only");
  delete (image as { cachedLut?: unknown }).cachedLut;
  const screen = generateLut(image, ww, wc, image.invert, undefined, voiLUT);
  const expected = buildDisplayLut(info, frame, options);
  const offset = Math.min(frame.minStored, 0);
  let max = 0;
  for (let v = frame.minStored; v <= frame.maxStored; v++) max = Math.max(max, Math.abs(screen[v - offset]! - expected[v - frame.minStored]!));
  return max;
}

// One file per kind of display (the table depends on the header and the stored range, not on the
// transfer syntax): rescaled MONOCHROME2, MONOCHROME1, signed without a window, VOI LUT Sequence.
const KINDS = ["mr-mono2-12bit-explicit-le.dcm", "cr-mono1-10bit-big-endian.dcm", "signed-15bit-jpegls-lossless.dcm", "voi-lut-sequence.dcm"];
const grayscale = readReferences().filter((r) => KINDS.includes(r.file) && locate(r.file));

describe.each(grayscale)("$file on screen", ({ file }) => {
  test("the header's display, W = 10 and W = 100: render.ts's byte for every stored value", async () => {
    const image = await labgateImage(file);
    const { info } = image.labgate;
    expect(maxDiff(image, image.voiLUT, image.windowWidth, image.windowCenter, {})).toBe(0);
    const c = image.windowCenter;
    for (const w of [10, 100]) {
      const options = { windowCenter: c, windowWidth: w, voiLutFunction: info.windows.length ? info.voiLutFunction : ("LINEAR" as const) };
      expect(maxDiff(image, windowLut(image, { windowCenter: c, windowWidth: w }), w, c, options)).toBe(0);
    }
  });
});

test("each VOI LUT Function is drawn as DICOM defines it, and cornerstone's own formula would not be", async () => {
  const base = await labgateImage("mr-mono2-12bit-explicit-le.dcm");
  const c = 300;
  for (const fn of ["LINEAR", "LINEAR_EXACT", "SIGMOID"] as VoiLutFunction[]) {
    const image = Object.assign(createCornerstoneImage("fn", { ...base.labgate.info, voiLutFunction: fn }, base.labgate.frame), { labgate: { ...base.labgate, info: { ...base.labgate.info, voiLutFunction: fn } } });
    for (const w of [10, 100]) expect(maxDiff(image, windowLut(image, { windowCenter: c, windowWidth: w }), w, c, { windowCenter: c, windowWidth: w, voiLutFunction: fn })).toBe(0);
  }
  // Without the table (cornerstone's ((x − c) / w + 0.5) · 255, on modality values): far off at W = 10.
  const cornerstoneOwn = Object.assign({ ...base, slope: base.labgate.info.rescaleSlope, intercept: base.labgate.info.rescaleIntercept }, { labgate: base.labgate });
  expect(maxDiff(cornerstoneOwn, undefined, 10, c, { windowCenter: c, windowWidth: 10 })).toBeGreaterThan(10);
});
