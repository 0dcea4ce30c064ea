import { LABELS } from "../import/file-specs";
import { labelBit, LABEL_STATES, LOCAL_IMAGES_FLAG, setBits, SPLIT_FLAGS, SPLITS } from "../tokens";
import type { StudyFacets } from "./list-studies";

/**
 * Facet counts over mimic_study_facet rows. The rows collapse to their distinct (label bits, view
 * bits, flags) — a few hundred for a typical filter — which are then counted with one grouping set
 * per 16 label bits (four labels, at most 256 values each), one for view bits and one for flags, so
 * what comes back is a few hundred rows however many studies match. Shared by the explorer's page
 * query and the import, which stores the unfiltered counts of each labeler.
 */
export type FacetGroups = { part: number[] | null; k: string[] | null; n: string[] | null };

const LABEL_CHUNK_BITS = 16;
const VIEWS_PART = 4;
const FLAGS_PART = 5;

/**
 * One row of three parallel arrays (part, key, count). `source` is a relation (a CTE name or a
 * parenthesised subquery with an alias) with columns bits, view_bits and flags; it is trusted SQL
 * text, never user input.
 */
export function facetGroupsSql(source: string): string {
  return `
    select array_agg(g.part) as part, array_agg(g.k::text) as k, array_agg(g.n::text) as n from (
      select case when grouping(l0) = 0 then 0 when grouping(l1) = 0 then 1 when grouping(l2) = 0 then 2 when grouping(l3) = 0 then 3
          when grouping(v) = 0 then ${VIEWS_PART} else ${FLAGS_PART} end as part,
        coalesce(l0, l1, l2, l3, v, fl) as k, sum(n) as n
      from (
        select bits & 65535 as l0, (bits >> 16) & 65535 as l1, (bits >> 32) & 65535 as l2, bits >> 48 as l3, view_bits as v, flags::bigint as fl, n
        from (select bits, view_bits, flags, count(*) as n from ${source} group by bits, view_bits, flags) c
      ) x
      group by grouping sets (l0, l1, l2, l3, v, fl)
    ) g`;
}

/** The label bits of the positive state, in LABELS order, and their mask. */
export const POSITIVE_BITS = LABELS.map((l) => labelBit(l, "positive"));
const POSITIVE_MASK = POSITIVE_BITS.reduce((m, b) => m | (1n << BigInt(b)), 0n).toString();

/** Which labels are positive together, and in how many studies: (p, n) arrays, p as bits. */
export type PositiveGroups = { p: string[] | null; n: string[] | null };

/** One row of two parallel arrays; `source` as for facetGroupsSql, with a bits column. */
export function positiveGroupsSql(source: string): string {
  return `
    select array_agg(g.p::text) as p, array_agg(g.n::text) as n from (
      select bits & ${POSITIVE_MASK}::bigint as p, count(*) as n from ${source} group by 1
    ) g`;
}

const LABEL_OF_BIT = LABELS.flatMap((label) => LABEL_STATES.map((state) => ({ label, state })));

/** Adds the groups up into the explorer's facets and the number of studies they cover. */
export function decodeFacetGroups(groups: FacetGroups, viewCodes: Map<string, number>): { facets: StudyFacets; total: number } {
  const facets = emptyFacets();
  const codeToView = new Map([...viewCodes].map(([name, code]) => [code, name]));
  let total = 0;
  const counts = groups.n ?? [];
  for (let i = 0; i < counts.length; i++) {
    const n = Number(counts[i]);
    const part = Number(groups.part![i]);
    const key = groups.k![i]!;
    if (part < VIEWS_PART) {
      for (const bit of setBits(key)) {
        const at = LABEL_OF_BIT[bit + LABEL_CHUNK_BITS * part];
        if (at) facets.labels[at.label][at.state] += n;
      }
    } else if (part === VIEWS_PART) {
      for (const code of setBits(key)) {
        const view = codeToView.get(code) ?? `#${code}`;
        facets.views[view] = (facets.views[view] ?? 0) + n;
      }
    } else {
      // Every study is in exactly one flags group, so these add up to the total.
      total += n;
      const flags = Number(key);
      for (const split of SPLITS) if (flags & SPLIT_FLAGS[split]) facets.splits[split] += n;
      if (flags & LOCAL_IMAGES_FLAG) facets.local += n;
    }
  }
  return { facets, total };
}

function emptyFacets(): StudyFacets {
  return {
    labels: Object.fromEntries(LABELS.map((l) => [l, Object.fromEntries(LABEL_STATES.map((s) => [s, 0]))])) as StudyFacets["labels"],
    views: {},
    splits: Object.fromEntries(SPLITS.map((s) => [s, 0])) as StudyFacets["splits"],
    local: 0,
  };
}
