import type { StudyFilters } from "./study-filters";

/** One filter in force, as a removable chip: what it says and the filters without it. */
export type ActiveFilter = { key: string; text: string; without: StudyFilters };

const LABELER_NAMES: Record<StudyFilters["labeler"], string> = { chexpert: "CheXpert", negbio: "NegBio", radiologist: "Radiologist" };

/**
 * Every filter in force, one per thing a researcher chose (a label with its states, the views, the
 * splits, each date bound, local images, the report search), in the order they are shown. Removing
 * one goes back to page 1, as any change of the filtered set does. Alternatives (Edema positive or
 * uncertain) are one chip: dropping one of them could only narrow the result.
 */
export function activeFilters(f: StudyFilters): ActiveFilter[] {
  const base = { ...f, page: 1 };
  const out: ActiveFilter[] = [];
  for (const l of f.labels) {
    out.push({ key: `label:${l.label}`, text: `${LABELER_NAMES[f.labeler]} ${l.label}: ${l.states.join(" or ")}`, without: { ...base, labels: f.labels.filter((x) => x.label !== l.label) } });
  }
  if (f.views.length) out.push({ key: "view", text: `View: ${f.views.map((v) => v || "(none)").join(" or ")}`, without: { ...base, views: [] } });
  if (f.splits.length) out.push({ key: "split", text: `Split: ${f.splits.join(" or ")}`, without: { ...base, splits: [] } });
  if (f.from) out.push({ key: "from", text: `Study date from ${f.from}`, without: { ...base, from: null } });
  if (f.to) out.push({ key: "to", text: `Study date to ${f.to}`, without: { ...base, to: null } });
  if (f.localOnly) out.push({ key: "local", text: "Images in lab storage", without: { ...base, localOnly: false } });
  if (f.q) out.push({ key: "q", text: `Report: ${f.q}`, without: { ...base, q: null } });
  return out;
}
