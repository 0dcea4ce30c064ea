import { LABELS, type Label } from "./import/file-specs";

/**
 * Study facts as small integers, matching db/migrations/0005_mimic-explorer.sql: every filter is one
 * `tokens @> {…}` against a GIN index and facet counts come from one unnest of the filtered rows.
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

export type DecodedToken =
  | { kind: "label"; labeler: Labeler; label: Label; state: LabelState }
  | { kind: "view"; code: number }
  | { kind: "split"; split: Split }
  | { kind: "local" };

export function decodeToken(token: number): DecodedToken | null {
  if (token === LOCAL_IMAGES_TOKEN) return { kind: "local" };
  if (token > SPLIT_BASE && token <= SPLIT_BASE + SPLITS.length) return { kind: "split", split: SPLITS[token - SPLIT_BASE - 1]! };
  if (token > VIEW_BASE && token < SPLIT_BASE) return { kind: "view", code: token - VIEW_BASE };
  for (const labeler of LABELERS) {
    const offset = token - LABELER_BASE[labeler] - 1;
    if (offset >= 0 && offset < LABELS.length * 4) {
      return { kind: "label", labeler, label: LABELS[Math.floor(offset / 4)]!, state: LABEL_STATES[offset % 4]! };
    }
  }
  return null;
}

/** The database's label encoding: 1 positive, 0 negative, -1 uncertain, null not mentioned. */
export function labelStateOf(v: number | null | undefined): LabelState {
  return v === 1 ? "positive" : v === 0 ? "negative" : v === -1 ? "uncertain" : "not-mentioned";
}
