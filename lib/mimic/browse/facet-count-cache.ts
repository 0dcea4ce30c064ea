import type { FacetGroups } from "./facet-groups";
import type { StudyFilters } from "./study-filters";

// Paging through one filter's results asks the same facet counts again for every page, and they are
// the explorer's most expensive statement (every matching study grouped). They are kept here, in this
// process, for a short while: counts only — never a study row, id or report — and read only by
// listStudies, which its callers reach after the access rule has said yes for this request (a member
// without access never gets here, so never gets counts). Each entry carries the version of the data
// it counted (dataVersionSql): an import or a swap of the version's tables changes it, and an entry of
// another version is never served, whichever process made the change.

const TTL_MS = 60_000;
const MAX_ENTRIES = 500;

export type CountsKey = string;
type Entry = { version: string; groups: FacetGroups; at: number };

const entries = new Map<CountsKey, Entry>();
const inFlight = new Map<CountsKey, Promise<{ version: string | null; groups: FacetGroups }>>();

/** What the counts depend on: the version(s) read and the filter, without paging or order; alternatives sorted. */
export function countsKey(opts: { datasetId: string; reportDatasetId?: string; filters: StudyFilters }): CountsKey {
  const f = opts.filters;
  const sorted = <T>(xs: readonly T[], by: (x: T) => string) => [...xs].sort((a, b) => by(a).localeCompare(by(b)));
  return JSON.stringify([
    opts.datasetId,
    f.q ? (opts.reportDatasetId ?? opts.datasetId) : null,
    f.labeler,
    sorted(f.labels, (l) => l.label).map((l) => [l.label, [...l.states].sort()]),
    sorted(f.sourceLabels, (l) => `${l.labeler}:${l.label}:${l.state}`),
    [...f.disagree].sort(),
    [...f.views].sort(),
    [...f.splits].sort(),
    f.from,
    f.to,
    f.localOnly,
    f.q,
  ]);
}

/** The cached counts of this key if they were made from data of `version`; null otherwise. */
export function cachedCounts(key: CountsKey, version: string | null, at = Date.now()): FacetGroups | null {
  const e = entries.get(key);
  if (!e) return null;
  if (at - e.at > TTL_MS) {
    entries.delete(key);
    return null;
  }
  return version !== null && e.version === version ? e.groups : null;
}

/** Whether any entry is kept for the key (of whichever version): the caller then asks the version first. */
export function hasCountsEntry(key: CountsKey): boolean {
  return entries.has(key);
}

/**
 * Counts the key's studies once however many requests ask at the same moment, and keeps the result
 * when its statement said which version of the data it read (a version without one is not kept).
 */
export function countOnce(key: CountsKey, count: () => Promise<{ version: string | null; groups: FacetGroups }>): Promise<{ version: string | null; groups: FacetGroups }> {
  let pending = inFlight.get(key);
  if (!pending) {
    pending = count()
      .then((r) => {
        if (r.version !== null) keep(key, { version: r.version, groups: r.groups, at: Date.now() });
        return r;
      })
      .finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}

function keep(key: CountsKey, entry: Entry): void {
  entries.delete(key);
  // Oldest first out: a Map iterates in insertion order, and a refreshed key was re-inserted.
  while (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
  entries.set(key, entry);
}

/** For tests: forget every entry. */
export function clearFacetCountCache(): void {
  entries.clear();
}
