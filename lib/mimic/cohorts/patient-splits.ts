import { createHash } from "node:crypto";
import type { RandomSplitSpec } from "./split-spec";
import type { Split } from "../tokens";

export type SplitPatient = { subjectId: number; stratum: boolean };

// Bumping this changes every assignment ever exported: the version is part of what a paper cites.
export const SPLIT_ALGORITHM = "labgate-patient-split-v1";

/** A patient's place in the seed's order: SHA-256 of the algorithm, seed and subject_id (never Math.random). */
function rank(seed: number, subjectId: number): string {
  return createHash("sha256").update(`${SPLIT_ALGORITHM}:${seed}:${subjectId}`).digest("hex").slice(0, 16);
}

/**
 * Assigns every patient to one split (so no patient's studies span two splits). Within each stratum
 * (positive for the chosen label in any of the patient's studies in the cohort, or not) patients are
 * ordered by their seeded hash, and the first round(n·train), the next up to round(n·(train+validate))
 * and the rest take train, validate and test. The order does not depend on the input's order or on
 * other patients, so the same seed, ratios and label on the same patients give the same assignment,
 * and in each stratum each split's patient count is within one of its ratio × n.
 */
export function assignPatientSplits(patients: Iterable<SplitPatient>, spec: RandomSplitSpec): Map<number, Split> {
  const strata = new Map<boolean, { subjectId: number; rank: string }[]>();
  for (const p of patients) {
    const key = spec.stratify ? p.stratum : false;
    let list = strata.get(key);
    if (!list) strata.set(key, (list = []));
    list.push({ subjectId: p.subjectId, rank: rank(spec.seed, p.subjectId) });
  }
  const out = new Map<number, Split>();
  for (const list of strata.values()) {
    list.sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : a.subjectId - b.subjectId));
    const n = list.length;
    const endTrain = Math.round((n * spec.ratios.train) / 100);
    const endValidate = Math.round((n * (spec.ratios.train + spec.ratios.validate)) / 100);
    list.forEach((p, i) => out.set(p.subjectId, i < endTrain ? "train" : i < endValidate ? "validate" : "test"));
  }
  return out;
}
