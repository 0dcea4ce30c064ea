import Link from "next/link";
import { LABELS } from "@/lib/mimic/import/file-specs";
import type { StudyFacets } from "@/lib/mimic/browse/list-studies";
import { hasLabelState, toggleLabelState } from "@/lib/mimic/browse/filter-toggles";
import { LABELER_NAMES, studyFiltersToSearch, type StudyFilters } from "@/lib/mimic/browse/study-filters";
import { LABEL_STATES } from "@/lib/mimic/tokens";

const STATE_TITLE = { positive: "pos", negative: "neg", uncertain: "unc", "not-mentioned": "n/m" } as const;

// Dataset links never prefetch: a prefetch runs the query and writes an audit row for a page nobody
// opened (tests/dataset-links.test.ts enforces it).
/** Labels × states: each cell toggles that filter and shows how many filtered studies have it. */
export function LabelFacets({ base, filters, facets }: { base: string; filters: StudyFilters; facets: StudyFacets }) {
  return (
    <table className="facets" data-testid="label-facets">
      <thead>
        <tr>
          <th>{LABELER_NAMES[filters.labeler]} label</th>
          {LABEL_STATES.map((s) => (
            <th key={s} title={s}>{STATE_TITLE[s]}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {LABELS.map((label) => (
          <tr key={label}>
            <th scope="row">{label}</th>
            {LABEL_STATES.map((state) => {
              const on = hasLabelState(filters, label, state);
              const n = facets.labels[label][state];
              return (
                <td key={state}>
                  {/* A link may not carry aria-pressed (axe: aria-allowed-attr): aria-current marks an applied filter. */}
                  <Link prefetch={false}
                    href={`${base}?${studyFiltersToSearch(toggleLabelState(filters, label, state))}`}
                    className={on ? "facet on" : "facet"}
                    aria-current={on ? "true" : undefined}
                    aria-label={`${label} ${state}: ${n} studies`}
                    data-testid={`facet-${label}-${state}`}
                  >
                    {n.toLocaleString("en-US")}
                  </Link>
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
