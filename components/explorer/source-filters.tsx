import Link from "next/link";
import { LABELER_NAMES, studyFiltersToSearch, type StudyFilters } from "@/lib/mimic/browse/study-filters";

/** The labeler-specific filters (from the disagreement table), each removable, so a cell's link says what it selected. */
export function SourceFilters({ base, filters }: { base: string; filters: StudyFilters }) {
  if (filters.sourceLabels.length === 0 && filters.disagree.length === 0) return null;
  const href = (f: Partial<StudyFilters>) => `${base}?${studyFiltersToSearch({ ...filters, ...f, page: 1 })}`;
  return (
    <p className="row small" data-testid="source-filters">
      <span className="muted">Also:</span>
      {filters.sourceLabels.map((l, i) => (
        <span key={`${l.labeler}:${l.label}:${l.state}`}>
          {LABELER_NAMES[l.labeler]} {l.label} {l.state}{" "}
          <Link prefetch={false} href={href({ sourceLabels: filters.sourceLabels.filter((_, j) => j !== i) })} aria-label={`Remove ${LABELER_NAMES[l.labeler]} ${l.label} ${l.state}`}>×</Link>
        </span>
      ))}
      {filters.disagree.map((l) => (
        <span key={`d-${l}`}>
          CheXpert and NegBio disagree on {l}{" "}
          <Link prefetch={false} href={href({ disagree: filters.disagree.filter((x) => x !== l) })} aria-label={`Remove disagree on ${l}`}>×</Link>
        </span>
      ))}
    </p>
  );
}
