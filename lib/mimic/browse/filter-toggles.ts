import type { Label } from "../import/file-specs";
import type { LabelState, Split } from "../tokens";
import type { StudyFilters } from "./study-filters";

// Each facet in the explorer is a link to the same page with one filter switched on or off; any
// change of the filtered set goes back to page 1.

export function hasLabelState(f: StudyFilters, label: Label, state: LabelState): boolean {
  return f.labels.some((l) => l.label === label && l.states.includes(state));
}

export function toggleLabelState(f: StudyFilters, label: Label, state: LabelState): StudyFilters {
  const current = f.labels.find((l) => l.label === label);
  const states = current ? (current.states.includes(state) ? current.states.filter((s) => s !== state) : [...current.states, state]) : [state];
  const others = f.labels.filter((l) => l.label !== label);
  return { ...f, page: 1, labels: states.length ? [...others, { label, states }] : others };
}

const toggle = <T>(list: T[], item: T) => (list.includes(item) ? list.filter((x) => x !== item) : [...list, item]);

export function toggleView(f: StudyFilters, view: string): StudyFilters {
  return { ...f, page: 1, views: toggle(f.views, view) };
}

export function toggleSplit(f: StudyFilters, split: Split): StudyFilters {
  return { ...f, page: 1, splits: toggle(f.splits, split) };
}
