import "server-only";
import { sql } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { LABELS, type Label } from "../import/file-specs";
import { LABEL_STATES, type LabelState } from "../tokens";

export type Disagreement = {
  label: Label;
  /** cells[chexpert state][negbio state], states in LABEL_STATES order (1, 0, -1, blank). */
  cells: Record<LabelState, Record<LabelState, number>>;
  /** Studies with both label rows (the table's total). */
  both: number;
  /** Studies with only one labeler's row, which the table leaves out. */
  oneOnly: number;
};

/**
 * CheXpert × NegBio states of one label over the whole dataset version: one grouped scan of the
 * narrow facet table (decision 011), reading the label's four state bits of each labeler.
 * A study without a row in one of the two files has no bits for it and is counted apart.
 */
export async function labelDisagreement(opts: { datasetId: string; label: Label }): Promise<Disagreement> {
  const shift = sql.raw(String(LABELS.indexOf(opts.label) * 4));
  const rows = await getDb().execute<{ c: number | null; n: number | null; k: string }>(sql`
    select case when s.chexpert_bits = 0 then null else (s.chexpert_bits >> ${shift}) & 15 end as c,
      case when s.negbio_bits = 0 then null else (s.negbio_bits >> ${shift}) & 15 end as n, count(*) as k
    from mimic_study_facet s where s.dataset_id = ${opts.datasetId} and (s.chexpert_bits <> 0 or s.negbio_bits <> 0)
    group by 1, 2`);
  const cells = Object.fromEntries(LABEL_STATES.map((a) => [a, Object.fromEntries(LABEL_STATES.map((b) => [b, 0]))])) as Disagreement["cells"];
  // One bit per state: 1 positive, 2 negative, 4 uncertain, 8 not mentioned.
  const stateOf = (bits: number) => LABEL_STATES[Math.log2(bits)]!;
  let both = 0;
  let oneOnly = 0;
  for (const r of rows.rows) {
    const k = Number(r.k);
    if (r.c === null || r.n === null) {
      oneOnly += k;
      continue;
    }
    cells[stateOf(Number(r.c))][stateOf(Number(r.n))] += k;
    both += k;
  }
  return { label: opts.label, cells, both, oneOnly };
}
