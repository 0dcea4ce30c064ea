import { describe, expect, test } from "vitest";
import { chooseScaleBar, screenPixelsPerMm } from "@/components/viewer/scale-bar";

describe("scale bar", () => {
  test("picks the longest 1-2-5 length that fits, labelled in mm below 1 cm and in cm above", () => {
    // 0.139 mm pixels (a MIMIC-CXR radiograph) fitted at 512 px for 3056 rows: ~1.2 screen px per mm.
    expect(chooseScaleBar(1.2)).toEqual({ mm: 100, px: 120, label: "10 cm" });
    expect(chooseScaleBar(5)).toEqual({ mm: 20, px: 100, label: "2 cm" });
    expect(chooseScaleBar(40)).toEqual({ mm: 2, px: 80, label: "2 mm" });
    expect(chooseScaleBar(400)!.label).toBe("0.2 mm");
    // Zooming in shortens the length shown; the bar never exceeds its room.
    const lengths = [0.5, 1, 2, 4, 8, 16, 32].map((p) => chooseScaleBar(p)!);
    expect(lengths.map((b) => b.mm)).toEqual([...lengths.map((b) => b.mm)].sort((a, b) => b - a));
    for (const b of lengths) expect(b.px).toBeLessThanOrEqual(150);
  });

  test("has nothing to show without a usable scale", () => {
    expect(chooseScaleBar(0)).toBeNull();
    expect(chooseScaleBar(Number.NaN)).toBeNull();
    expect(chooseScaleBar(Infinity)).toBeNull();
  });

  test("measures along the screen's horizontal axis, which a quarter turn moves to the image's columns", () => {
    const spacing = { row: 0.2, column: 0.1 };
    expect(screenPixelsPerMm({ columnStep: 2, rowStep: 2, rotation: 0, spacing })).toBe(20);
    expect(screenPixelsPerMm({ columnStep: 2, rowStep: 2, rotation: 180, spacing })).toBe(20);
    expect(screenPixelsPerMm({ columnStep: 2, rowStep: 2, rotation: 90, spacing })).toBe(10);
    expect(screenPixelsPerMm({ columnStep: 2, rowStep: 2, rotation: 270, spacing })).toBe(10);
  });
});
