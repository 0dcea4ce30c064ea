import { LABELS, type Label } from "./import/file-specs";

/**
 * Study facts as small integers, matching db/migrations/0005 and 0008: every filter is one
 * `tokens @> {…}` against mimic_study_facet's GIN index, and facet counts are read off the same
 * table's bit columns (labelBit, SPLIT_FLAGS, LOCAL_IMAGES_FLAG, view codes).
 */
export const LABELERS = ["chexpert", "negbio", "test"] as const;
export type Labeler = (typeof LABELERS)[number];
export const LABEL_STATES = ["positive", "negative", "uncertain", "not-mentioned"] as const;
export type LabelState = (typeof LABEL_STATES)[number];
export const SPLITS = ["train", "validate", "test"] as const;
export type Split = (typeof SPLITS)[number];

const LABELER_BASE: Record<Labeler, number> = { chexpert: 0, negbio: 100, test: 200 };
const VIEW_BASE = 300;
const SPLIT_BASE = 400;
export const LOCAL_IMAGES_TOKEN = 500;

export function labelToken(labeler: Labeler, label: Label, state: LabelState): number {
  return LABELER_BASE[labeler] + LABELS.indexOf(label) * 4 + LABEL_STATES.indexOf(state) + 1;
}

export function viewToken(viewCode: number): number {
  return VIEW_BASE + viewCode;
}

export function splitToken(split: Split): number {
  return SPLIT_BASE + SPLITS.indexOf(split) + 1;
}

/** The database's label encoding: 1 positive, 0 negative, -1 uncertain, null not mentioned. */
export function labelStateOf(v: number | null | undefined): LabelState {
  return v === 1 ? "positive" : v === 0 ? "negative" : v === -1 ? "uncertain" : "not-mentioned";
}

/**
 * mimic_study_facet's bit columns (db/migrations/0008_mimic-study-facet.sql): label bits are the
 * label tokens less their base and one, view bits are view codes, flags hold the splits and local.
 */
export function labelBit(label: Label, state: LabelState): number {
  return LABELS.indexOf(label) * 4 + LABEL_STATES.indexOf(state);
}

export const SPLIT_FLAGS: Record<Split, number> = { train: 1, validate: 2, test: 4 };
export const LOCAL_IMAGES_FLAG = 8;

/** The positions of the set bits of a bigint column, as PostgreSQL sends it (a decimal string). */
export function setBits(value: string | number): number[] {
  const out: number[] = [];
  let v = BigInt(value);
  for (let i = 0; v > 0n; i++, v >>= 1n) if (v & 1n) out.push(i);
  return out;
}
