import { describe, expect, it } from "vitest";
import { activeFilters } from "@/lib/mimic/browse/active-filters";
import { parseStudyFilters, studyFiltersToSearch } from "@/lib/mimic/browse/study-filters";

const filters = (q: string) => {
  const parsed = parseStudyFilters(new URLSearchParams(q));
  if (!parsed.ok) throw new Error(parsed.errors.join("; "));
  return parsed.filters;
};

describe("active filters as chips", () => {
  it("names each filter once and removes exactly that one, back to page 1", () => {
    const f = filters('labeler=negbio&label=Edema:positive&label=Edema:uncertain&label=Pneumonia:negative&view=PA&view=&split=test&from=2150-01-01&to=2160-12-31&local=1&q="no pneumothorax"&page=3&sort=study_id');
    const chips = activeFilters(f);
    expect(chips.map((c) => c.text)).toEqual([
      "NegBio Edema: positive or uncertain",
      "NegBio Pneumonia: negative",
      "View: PA or (none)",
      "Split: test",
      "Study date from 2150-01-01",
      "Study date to 2160-12-31",
      "Images in lab storage",
      'Report: "no pneumothorax"',
    ]);
    const all = new URLSearchParams(studyFiltersToSearch({ ...f, page: 1 }));
    for (const c of chips) {
      const without = new URLSearchParams(studyFiltersToSearch(c.without));
      expect(without.get("page"), c.key).toBeNull();
      expect(without.get("sort"), c.key).toBe("study_id");
      // Exactly the chip's parameters are gone; everything else is as it was.
      const gone = [...all.entries()].filter(([k, v]) => !without.getAll(k).includes(v)).map(([k, v]) => `${k}=${v}`);
      const expected: Record<string, string[]> = {
        "label:Edema": ["label=Edema:positive", "label=Edema:uncertain"],
        "label:Pneumonia": ["label=Pneumonia:negative"],
        view: ["view=PA", "view="],
        split: ["split=test"],
        from: ["from=2150-01-01"],
        to: ["to=2160-12-31"],
        local: ["local=1"],
        q: ['q="no pneumothorax"'],
      };
      expect(gone, c.key).toEqual(expected[c.key]);
      expect([...without.keys()].length, c.key).toBe([...all.keys()].length - gone.length);
    }
    expect(activeFilters(filters("sort=subject_id&page=2"))).toEqual([]);
  });
});
