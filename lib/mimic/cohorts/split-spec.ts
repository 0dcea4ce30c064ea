import { z } from "zod";
import { LABELS, type Label } from "../import/file-specs";
import { SPLITS, type Split } from "../tokens";

/**
 * How a cohort is split into train / validate / test (decision 034), saved with the cohort so the
 * export a paper cites can be made again: MIMIC-CXR-JPG's own split file, or a patient-level split
 * drawn from a seed, with ratios in whole percent, optionally stratified by one label.
 */
export const STRATIFY_LABELERS = ["chexpert", "negbio"] as const;

const percent = z.number().int("Ratios are whole percents").min(0, "A ratio cannot be negative").max(100);

export const splitSpecSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("official") }),
  z.object({
    kind: z.literal("random"),
    seed: z.number().int("The seed is a whole number").min(0, "The seed is 0 or more").max(2_147_483_647, "The seed is at most 2147483647"),
    ratios: z
      .object({ train: percent, validate: percent, test: percent })
      .refine((r) => r.train + r.validate + r.test === 100, "The train, validate and test ratios must add up to 100"),
    stratify: z.object({ labeler: z.enum(STRATIFY_LABELERS), label: z.enum(LABELS, { error: "Stratify by one of the 14 labels" }) }).nullable().default(null),
  }),
]);

export type SplitSpec = z.infer<typeof splitSpecSchema>;
export type RandomSplitSpec = Extract<SplitSpec, { kind: "random" }>;
export const OFFICIAL_SPLIT: SplitSpec = { kind: "official" };

/** The stored value (NULL for cohorts saved before splits existed) as a spec; a stored value is ours, so a bad one is a bug. */
export function storedSplitSpec(value: unknown): SplitSpec {
  if (value === null || value === undefined) return OFFICIAL_SPLIT;
  return splitSpecSchema.parse(value);
}

/** One line for people: the cohort list, README.txt. */
export function describeSplit(spec: SplitSpec): string {
  if (spec.kind === "official") return "the official MIMIC-CXR-JPG split (mimic-cxr-2.0.0-split.csv.gz)";
  const r = spec.ratios;
  const strat = spec.stratify ? `, stratified by ${spec.stratify.labeler === "chexpert" ? "CheXpert" : "NegBio"} ${spec.stratify.label} positive` : "";
  return `patient-level random split, seed ${spec.seed}, train/validate/test ${r.train}/${r.validate}/${r.test} %${strat}`;
}

export type { Label, Split };
export { SPLITS };
