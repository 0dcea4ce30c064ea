import { describe, expect, test } from "vitest";
import { addMonths } from "@/lib/credentialing/attestation-steps";

// Re-confirmation falls due in calendar months, as a yearly review does: never a day early because a
// month is short, never rolling into the month after.
describe("addMonths", () => {
  test.each([
    ["2025-02-02T10:00:00.000Z", 12, "2026-02-02T10:00:00.000Z"],
    ["2025-01-31T00:00:00.000Z", 1, "2025-02-28T00:00:00.000Z"],
    ["2024-01-31T00:00:00.000Z", 1, "2024-02-29T00:00:00.000Z"],
    ["2024-02-29T12:30:00.000Z", 12, "2025-02-28T12:30:00.000Z"],
    ["2025-08-31T23:59:59.999Z", 6, "2026-02-28T23:59:59.999Z"],
    ["2025-11-15T00:00:00.000Z", 3, "2026-02-15T00:00:00.000Z"],
    ["2025-03-31T00:00:00.000Z", 60, "2030-03-31T00:00:00.000Z"],
  ])("%s + %i months = %s", (from, months, want) => {
    expect(addMonths(new Date(from), months).toISOString()).toBe(want);
  });
});
