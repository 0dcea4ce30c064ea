import Link from "next/link";
import type { StudyFacets } from "@/lib/mimic/browse/list-studies";
import { toggleSplit, toggleView } from "@/lib/mimic/browse/filter-toggles";
import { studyFiltersToSearch, type StudyFilters } from "@/lib/mimic/browse/study-filters";
import { SPLITS } from "@/lib/mimic/tokens";

function FacetList({ title, testId, items }: { title: string; testId: string; items: { key: string; label: string; n: number; on: boolean; href: string }[] }) {
  return (
    <div className="facet-list" data-testid={testId}>
      <h3>{title}</h3>
      <ul>
        {items.map((i) => (
          <li key={i.key}>
            <Link prefetch={false} href={i.href} className={i.on ? "facet on" : "facet"} aria-current={i.on ? "true" : undefined} data-testid={`${testId}-${i.key}`}>
              {i.label} <span className="count">{i.n.toLocaleString("en-US")}</span>
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** View positions and splits with counts among the filtered studies; a selected value stays listed. */
export function ListFacets({ base, filters, facets, viewNames }: { base: string; filters: StudyFilters; facets: StudyFacets; viewNames: string[] }) {
  const views = [...new Set([...viewNames, ...filters.views])];
  return (
    <>
      <FacetList
        title="View position"
        testId="view-facets"
        items={views.map((v) => ({ key: v || "none", label: v || "(none)", n: facets.views[v] ?? 0, on: filters.views.includes(v), href: `${base}?${studyFiltersToSearch(toggleView(filters, v))}` }))}
      />
      <FacetList
        title="Split"
        testId="split-facets"
        items={SPLITS.map((s) => ({ key: s, label: s, n: facets.splits[s], on: filters.splits.includes(s), href: `${base}?${studyFiltersToSearch(toggleSplit(filters, s))}` }))}
      />
    </>
  );
}
