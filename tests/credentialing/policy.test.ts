import { describe, expect, test } from "vitest";
import { z } from "zod";
import { DEFAULT_LAB_ACCESS_POLICY, DEFAULT_TRAINING_VALIDITY_DAYS, labAccessPolicySettingsSchema, trainingValidityDays, trainingValiditySchema } from "@/lib/credentialing/policy";

describe("lab access policy", () => {
  test("training validity: default 1095 days, a configured number, or never", () => {
    const policy = { ...DEFAULT_LAB_ACCESS_POLICY, trainingValidityDays: { short: 365, forever: null } };
    expect(DEFAULT_TRAINING_VALIDITY_DAYS).toBe(1095);
    expect(trainingValidityDays(policy, "citi-data-specimens")).toBe(1095);
    expect(trainingValidityDays(policy, "short")).toBe(365);
    expect(trainingValidityDays(policy, "forever")).toBeNull();
  });

  test("defaults: warn 30 days ahead, verification never stands in for approval, no attestation or re-confirmation", () => {
    expect(DEFAULT_LAB_ACCESS_POLICY).toEqual({ trainingValidityDays: {}, verificationValidDays: null, warningDays: 30, responsibleUseRequired: false, reattestMonths: null });
  });

  test.each([
    [1095, true],
    [null, true],
    [1, true],
    [0, false],
    [-5, false],
    [1.5, false],
    [3651, false],
  ])("training validity %j is %s", (value, ok) => {
    expect(trainingValiditySchema.safeParse(value).success).toBe(ok);
  });

  test("settings form: field messages for bad values", () => {
    const result = labAccessPolicySettingsSchema.safeParse({ verificationValidDays: 0, warningDays: -1 });
    expect(result.success).toBe(false);
    expect(result.error && z.flattenError(result.error).fieldErrors).toEqual({
      verificationValidDays: ["Verification validity must be at least 1 day"],
      warningDays: ["Warning period cannot be negative"],
    });
    expect(labAccessPolicySettingsSchema.parse({ verificationValidDays: null, warningDays: 30 })).toEqual({ verificationValidDays: null, warningDays: 30 });
  });
});
