import { describe, expect, test } from "vitest";
import { angleOf, calibrationOf, lengthOf, unitOf, valueText } from "@/components/viewer/measurements";
import { parseDicom } from "@/lib/dicom/parse";
import { multiFrameCine } from "../dicom/support/multi-frame";

const spacingOf = (spacing: "PixelSpacing" | "ImagerPixelSpacing" | "none") => calibrationOf(parseDicom(multiFrameCine({ frames: 1, spacing })));

describe("measurements", () => {
  test("lengths use the file's spacing, rows and columns each their own, and say which spacing", () => {
    const cal = spacingOf("PixelSpacing");
    expect(cal).toEqual({ spacing: { row: 0.5, column: 0.25 }, source: "PixelSpacing" });
    // 100 pixels along a row: 100 × the column spacing; 40 down a column: 40 × the row spacing.
    expect(lengthOf({ x: 20, y: 30 }, { x: 120, y: 30 }, cal)).toBeCloseTo(25, 10);
    expect(lengthOf({ x: 20, y: 30 }, { x: 20, y: 70 }, cal)).toBeCloseTo(20, 10);
    expect(lengthOf({ x: 0, y: 0 }, { x: 30, y: 40 }, cal)).toBeCloseTo(Math.hypot(7.5, 20), 10);
    expect(valueText({ id: 1, kind: "length", points: [{ x: 20, y: 30 }, { x: 120, y: 30 }] }, cal)).toBe("25.00 mm");
    expect(unitOf(cal)).toBe("mm (PixelSpacing)");

    const detector = spacingOf("ImagerPixelSpacing");
    expect(detector?.source).toBe("ImagerPixelSpacing");
    expect(unitOf(detector)).toBe("mm at the detector (ImagerPixelSpacing)");

    const none = spacingOf("none");
    expect(none).toBeNull();
    expect(valueText({ id: 1, kind: "length", points: [{ x: 0, y: 0 }, { x: 30, y: 40 }] }, none)).toBe("50.0 px");
    expect(unitOf(none)).toMatch(/^px \(uncalibrated/);
  });

  test("angles are measured in millimetres, so non-square pixels change them", () => {
    const cal = spacingOf("PixelSpacing");
    const [a, vertex, b] = [{ x: 120, y: 30 }, { x: 20, y: 30 }, { x: 60, y: 70 }];
    // In pixels the arms are (100, 0) and (40, 40): 45°. In mm, (25, 0) and (10, 20): atan(2) = 63.43°.
    expect(angleOf(a, vertex, b, null)).toBeCloseTo(45, 10);
    expect(angleOf(a, vertex, b, cal)).toBeCloseTo((Math.atan(2) * 180) / Math.PI, 10);
    expect(valueText({ id: 2, kind: "angle", points: [a, vertex, b] }, cal)).toBe("63.4°");
    expect(angleOf(a, vertex, vertex, cal)).toBe(0);
    expect(angleOf({ x: 0, y: 0 }, { x: 1, y: 0 }, { x: 2, y: 0 }, null)).toBeCloseTo(180, 10);
  });
});
