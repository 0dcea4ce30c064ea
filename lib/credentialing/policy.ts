import { z } from "zod";

// The lab's access settings and their defaults. A lab without a lab_access_policies row, or a
// training type without a lab_training_policies row, gets these.

/** CITI itself sets no expiry on PhysioNet, but many labs and IRBs renew every 3 years. */
export const DEFAULT_TRAINING_VALIDITY_DAYS = 1095;
export const DEFAULT_WARNING_DAYS = 30;

export type LabAccessPolicy = {
  /**
   * Days from acceptance per training type slug; null = an accepted training never expires; a type
   * that is absent gets DEFAULT_TRAINING_VALIDITY_DAYS. The data layer fills this from
   * lab_training_policies, falling back to training_types.default_validity_days.
   */
  trainingValidityDays: Readonly<Record<string, number | null>>;
  /** A confirmed PhysioNet check this many days old still stands in for steward approval; null = never. */
  verificationValidDays: number | null;
  /** Access ending within this many days is reported as expiring (0 = never warn). */
  warningDays: number;
  /** Members attest to PhysioNet's responsible use of online services (responsible-use.ts). */
  responsibleUseRequired?: boolean;
  /** Members re-confirm their DUA (and responsible-use attestation) every this many months; null = never. */
  reattestMonths?: number | null;
};

export const DEFAULT_LAB_ACCESS_POLICY: LabAccessPolicy = {
  trainingValidityDays: {},
  verificationValidDays: null,
  warningDays: DEFAULT_WARNING_DAYS,
  responsibleUseRequired: false,
  reattestMonths: null,
};

export function trainingValidityDays(policy: LabAccessPolicy, trainingType: string): number | null {
  const configured = policy.trainingValidityDays[trainingType];
  return configured === undefined ? DEFAULT_TRAINING_VALIDITY_DAYS : configured;
}

// Edge validation for the steward's settings form; the bounds match the database checks (> 0).
const days = (max: number, label: string) =>
  z
    .number({ error: `${label} must be a number of days` })
    .int(`${label} must be a whole number of days`)
    .min(1, `${label} must be at least 1 day`)
    .max(max, `${label} must be at most ${max} days`);

export const trainingValiditySchema = days(3650, "Training validity").nullable();
export const labAccessPolicySettingsSchema = z.object({
  verificationValidDays: days(365, "Verification validity").nullable(),
  warningDays: z.number().int("Warning period must be a whole number of days").min(0, "Warning period cannot be negative").max(365, "Warning period must be at most 365 days"),
  // Optional so a client that predates these settings keeps them as they are.
  responsibleUseRequired: z.boolean({ error: "Say whether members attest to responsible use of online services" }).optional(),
  reattestMonths: z
    .number({ error: "Re-confirmation period must be a number of months" })
    .int("Re-confirmation period must be a whole number of months")
    .min(1, "Re-confirmation period must be at least 1 month")
    .max(60, "Re-confirmation period must be at most 60 months")
    .nullable()
    .optional(),
});
