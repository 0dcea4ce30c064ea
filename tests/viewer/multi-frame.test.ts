import { describe, expect, test } from "vitest";
import { decodeDicomFile, transferablesOf } from "@/lib/dicom/decode-file";
import { parseDicom } from "@/lib/dicom/parse";
import { CINE, multiFrameCine } from "../dicom/support/multi-frame";

describe("multi-frame images", () => {
  test("every frame is decoded, in order, with one value range for all so one display table fits each", async () => {
    const result = await decodeDicomFile(multiFrameCine({ frames: 4 }));
    expect(result.info.numberOfFrames).toBe(4);
    expect(result.frames).toHaveLength(4);
    expect(result.frame).toBe(result.frames[0]);
    result.frames.forEach((f, k) => {
      if (f.kind !== "grayscale") throw new Error("grayscale expected");
      expect([f.pixels[0], f.pixels[f.pixels.length - 1]]).toEqual([CINE.valueOf(k), CINE.valueOf(k)]);
      expect([f.minStored, f.maxStored]).toEqual([CINE.valueOf(0), CINE.valueOf(3)]);
    });
    // Handed out of the worker without copies, and still whole on the other side.
    const copy = structuredClone(result, { transfer: transferablesOf(result) });
    expect(copy.frames[3]!.pixels[0]).toBe(CINE.valueOf(3));
    expect(copy.frame).toBe(copy.frames[0]);
  });

  test("the frame time comes from FrameTime, else FrameTimeVector, else RecommendedDisplayFrameRate, else CineRate", () => {
    const timing = (elements: { tag: number; vr: string; value: string }[]) => parseDicom(multiFrameCine({ frames: 2, timing: elements })).frameTime;
    const frameTime = { tag: 0x00181063, vr: "DS", value: "40" };
    const vector = { tag: 0x00181065, vr: "DS", value: "0\\50\\70" };
    const recommended = { tag: 0x00082144, vr: "IS", value: "15" };
    const cineRate = { tag: 0x00180040, vr: "IS", value: "20" };
    expect(timing([recommended, frameTime])).toEqual({ ms: 40, source: "FrameTime" });
    expect(timing([recommended, vector])).toEqual({ ms: 60, source: "FrameTimeVector" });
    expect(timing([recommended, cineRate])).toEqual({ ms: 1000 / 15, source: "RecommendedDisplayFrameRate" });
    expect(timing([cineRate])).toEqual({ ms: 50, source: "CineRate" });
    expect(timing([])).toBeNull();
    expect(timing([{ ...frameTime, value: "0" }, cineRate])).toEqual({ ms: 50, source: "CineRate" });
    // A single-frame image has no playback speed, whatever its header says.
    expect(parseDicom(multiFrameCine({ frames: 1, timing: [frameTime] })).frameTime).toBeNull();
  });
});
