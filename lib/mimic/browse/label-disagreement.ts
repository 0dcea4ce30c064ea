import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { LABELS, type Label } from "../import/file-specs";
import { LABEL_STATES, type LabelState } from "../tokens";
import type { FilterLabeler } from "./study-filters";

export type Disagreement = {
  label: Label;
  rows: FilterLabeler;
  cols: FilterLabeler;
  /** cells[row labeler's state][column labeler's state], states in LABEL_STATES order (1, 0, -1, blank). */
  cells: Record<LabelState, Record<LabelState, number>>;
  /** Studies labelled by both (the table's total). */
  both: number;
  /** Studies labelled by only one of the two, which the table leaves out. */
  oneOnly: number;
};

/** A labeler's 56 label bits on mimic_study_facet s; 0 when the study has no row of that labeler. */
function bitsOf(labeler: FilterLabeler): SQL {
  // The radiologists' labels are tokens 201–256 (tokens.ts), the same layout as the bit columns.
  return labeler === "negbio" ? sql`s.negbio_bits` : labeler === "radiologist" ? sql`mimic_token_bits(s.tokens, 201, 256)` : sql`s.chexpert_bits`;
}

/**
 * One label's states by two labelers (CheXpert × NegBio, or either × the radiologists of the test
 * set) over the whole dataset version: one grouped scan of the narrow facet table (decision 011),
 * reading each labeler's four state bits of the label. With the radiologists, only the studies they
 * labelled are read (GIN lookup on their tokens).
 */
export async function labelDisagreement(opts: { datasetId: string; label: Label; rows?: FilterLabeler; cols?: FilterLabeler }): Promise<Disagreement> {
  const rowsBy = opts.rows ?? "chexpert";
  const colsBy = opts.cols ?? "negbio";
  const shift = sql.raw(String(LABELS.indexOf(opts.label) * 4));
  const radiologists = rowsBy === "radiologist" || colsBy === "radiologist" ? sql` and s.tokens && '{201,202,203,204}'::smallint[]` : sql``;
  const result = await getDb().execute<{ a: number | null; b: number | null; k: string }>(sql`
    select case when x.a = 0 then null else (x.a >> ${shift}) & 15 end as a, case when x.b = 0 then null else (x.b >> ${shift}) & 15 end as b, count(*) as k
    from (select ${bitsOf(rowsBy)} as a, ${bitsOf(colsBy)} as b from mimic_study_facet s where s.dataset_id = ${opts.datasetId}${radiologists}) x
    where x.a <> 0 or x.b <> 0
    group by 1, 2`);
  const cells = Object.fromEntries(LABEL_STATES.map((a) => [a, Object.fromEntries(LABEL_STATES.map((b) => [b, 0]))])) as Disagreement["cells"];
  // One bit per state: 1 positive, 2 negative, 4 uncertain, 8 not mentioned.
  const stateOf = (bits: number) => LABEL_STATES[Math.log2(bits)]!;
  let both = 0;
  let oneOnly = 0;
  for (const r of result.rows) {
    const k = Number(r.k);
    if (r.a === null || r.b === null) {
      oneOnly += k;
      continue;
    }
    cells[stateOf(Number(r.a))][stateOf(Number(r.b))] += k;
    both += k;
  }
  return { label: opts.label, rows: rowsBy, cols: colsBy, cells, both, oneOnly };
}
