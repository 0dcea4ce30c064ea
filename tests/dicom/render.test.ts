import { describe, expect, test } from "vitest";
import { buildDisplayLut, renderToRgba } from "@/lib/dicom/render";
import { applyWindow, defaultVoi, windowPresets } from "@/lib/dicom/voi";
import type { DecodedFrame, DicomImageInfo } from "@/lib/dicom/types";

function info(overrides: Partial<DicomImageInfo> = {}): DicomImageInfo {
  return {
    transferSyntaxUID: "1.2.840.10008.1.2.1",
    transferSyntaxName: "Explicit VR Little Endian",
    sopClassUID: null,
    sopInstanceUID: null,
    studyInstanceUID: null,
    seriesInstanceUID: null,
    patientId: null,
    accessionNumber: null,
    modality: null,
    viewPosition: null,
    rows: 1,
    columns: 4,
    numberOfFrames: 1,
    frameTime: null,
    samplesPerPixel: 1,
    photometricInterpretation: "MONOCHROME2",
    planarConfiguration: 0,
    bitsAllocated: 16,
    bitsStored: 12,
    highBit: 11,
    pixelRepresentation: 0,
    rescaleSlope: 1,
    rescaleIntercept: 0,
    rescaleType: null,
    modalityLut: null,
    windows: [],
    voiLutFunction: "LINEAR",
    voiLuts: [],
    pixelSpacing: null,
    imagerPixelSpacing: null,
    pixelPaddingValue: null,
    pixelData: null,
    ...overrides,
  };
}

function gray(values: number[]): Extract<DecodedFrame, { kind: "grayscale" }> {
  return { kind: "grayscale", rows: 1, columns: values.length, pixels: new Int16Array(values), minStored: Math.min(...values), maxStored: Math.max(...values) };
}

const reds = (rgba: Uint8ClampedArray) => Array.from(rgba.filter((_, i) => i % 4 === 0));

describe("VOI functions (PS3.3 C.11.2.1.2)", () => {
  test("LINEAR: c=50, w=11 maps ≤ 44.5 to 0, > 54.5 to 1, and 49.5 to the middle", () => {
    expect(applyWindow(44.5, 50, 11, "LINEAR")).toBe(0);
    expect(applyWindow(44.6, 50, 11, "LINEAR")).toBeCloseTo(0.51 - 0.5, 10);
    expect(applyWindow(49.5, 50, 11, "LINEAR")).toBe(0.5);
    expect(applyWindow(54.5, 50, 11, "LINEAR")).toBe(1);
    expect(applyWindow(54.6, 50, 11, "LINEAR")).toBe(1);
  });

  test("LINEAR with width 1 is a threshold at centre − 0.5", () => {
    expect(applyWindow(9.5, 10, 1, "LINEAR")).toBe(0);
    expect(applyWindow(9.6, 10, 1, "LINEAR")).toBe(1);
  });

  test("LINEAR_EXACT: (x − c) / w + 0.5 between c − w/2 and c + w/2", () => {
    expect(applyWindow(45, 50, 10, "LINEAR_EXACT")).toBe(0);
    expect(applyWindow(47.5, 50, 10, "LINEAR_EXACT")).toBe(0.25);
    expect(applyWindow(55, 50, 10, "LINEAR_EXACT")).toBe(1);
  });

  test("SIGMOID: 1 / (1 + exp(−4 (x − c) / w))", () => {
    expect(applyWindow(50, 50, 10, "SIGMOID")).toBe(0.5);
    expect(applyWindow(60, 50, 10, "SIGMOID")).toBeCloseTo(1 / (1 + Math.exp(-4)), 12);
  });
});

describe("renderToRgba", () => {
  test("applies rescale before the window and writes opaque gray pixels", () => {
    const image = info({ rescaleSlope: 2, rescaleIntercept: -1000, windows: [{ center: 0, width: 201, explanation: null }] });
    const rgba = renderToRgba(image, gray([400, 500, 550, 600]));
    // modality values −200, 0, 100, 200 under c=0 w=201
    expect(Array.from(rgba.subarray(0, 8))).toEqual([0, 0, 0, 255, 128, 128, 128, 255]);
    expect(reds(rgba)).toEqual([0, 128, 255, 255]);
  });

  test("MONOCHROME1 is inverted by default and `invert` flips it back", () => {
    const image = info({ photometricInterpretation: "MONOCHROME1", windows: [{ center: 50.5, width: 101, explanation: null }] });
    const frame = gray([0, 50, 100]);
    expect(reds(renderToRgba(image, frame))).toEqual([255, 127, 0]);
    expect(reds(renderToRgba(image, frame, { invert: true }))).toEqual([0, 128, 255]);
    expect(reds(renderToRgba(info({ windows: image.windows }), frame, { invert: true }))).toEqual([255, 127, 0]);
  });

  test("an explicit window overrides the header's, with the header's VOI LUT Function", () => {
    const image = info({ windows: [{ center: 1000, width: 10, explanation: null }], voiLutFunction: "LINEAR_EXACT" });
    expect(reds(renderToRgba(image, gray([0, 25, 50, 100]), { windowCenter: 50, windowWidth: 100 }))).toEqual([0, 64, 128, 255]);
  });

  test("without a window the full modality range is used", () => {
    const image = info();
    const frame = gray([-100, 0, 100]);
    expect(defaultVoi(image, frame)).toEqual({ kind: "window", center: 0.5, width: 201, fn: "LINEAR" });
    expect(reds(renderToRgba(image, frame))).toEqual([0, 128, 255]);
    expect(windowPresets(info({ windows: [{ center: 40, width: 400, explanation: "SOFT" }] }), frame).map((w) => w.explanation)).toEqual([
      "SOFT",
      "Full range",
    ]);
  });

  test("a VOI LUT maps through its table and scales by its bits per entry", () => {
    const image = info({
      windows: [{ center: 0, width: 1, explanation: null }],
      voiLuts: [{ firstValueMapped: 10, bitsPerEntry: 8, data: new Uint16Array([0, 51, 255]), explanation: "LUT" }],
    });
    expect(reds(renderToRgba(image, gray([5, 10, 11, 12, 40])))).toEqual([0, 0, 51, 255, 255]);
    expect(buildDisplayLut(image, gray([10, 12]), { windowCenter: 100, windowWidth: 10 })).toEqual(new Uint8Array([0, 0, 0]));
  });

  test("RGB is shown as stored unless a window is given", () => {
    const frame: DecodedFrame = { kind: "rgb", rows: 1, columns: 2, pixels: new Uint8Array([10, 20, 30, 200, 100, 0]) };
    const image = info({ samplesPerPixel: 3, photometricInterpretation: "RGB", columns: 2 });
    expect(Array.from(renderToRgba(image, frame))).toEqual([10, 20, 30, 255, 200, 100, 0, 255]);
    expect(Array.from(renderToRgba(image, frame, { invert: true })).slice(0, 4)).toEqual([245, 235, 225, 255]);
  });
});
