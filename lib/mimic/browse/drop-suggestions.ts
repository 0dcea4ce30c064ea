import "server-only";
import { activeFilters, type ActiveFilter } from "./active-filters";
import { countStudies } from "./list-studies";
import type { StudyFilters } from "./study-filters";

export type DropSuggestion = ActiveFilter & { studies: number };

/**
 * For a search that found nothing: each filter in force with how many studies match without it, so
 * the researcher sees which filter emptied the result instead of guessing. Only asked when the
 * result is empty, so the extra counts cost nothing on an ordinary page.
 */
export async function dropSuggestions(opts: { datasetId: string; reportDatasetId?: string; filters: StudyFilters }): Promise<DropSuggestion[]> {
  return Promise.all(activeFilters(opts.filters).map(async (a) => ({ ...a, studies: await countStudies({ datasetId: opts.datasetId, reportDatasetId: opts.reportDatasetId, filters: a.without }) })));
}
