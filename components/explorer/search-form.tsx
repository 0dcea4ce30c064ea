import { REPORT_SEARCH_EXAMPLE } from "@/lib/mimic/browse/report-search";
import type { StudyFilters } from "@/lib/mimic/browse/study-filters";

/** Report search, dates, labeler and "images present": a plain GET form, so the URL is the state. */
export function SearchForm({ base, filters }: { base: string; filters: StudyFilters }) {
  return (
    <form method="get" action={base} className="filters" data-testid="search-form">
      {filters.labels.flatMap((l) => l.states.map((s) => <input key={`${l.label}:${s}`} type="hidden" name="label" value={`${l.label}:${s}`} />))}
      {filters.views.map((v) => <input key={`v-${v}`} type="hidden" name="view" value={v} />)}
      {filters.splits.map((s) => <input key={`s-${s}`} type="hidden" name="split" value={s} />)}
      {filters.sourceLabels.map((l) => <input key={`src-${l.labeler}:${l.label}:${l.state}`} type="hidden" name="src" value={`${l.labeler}:${l.label}:${l.state}`} />)}
      {filters.disagree.map((l) => <input key={`d-${l}`} type="hidden" name="disagree" value={l} />)}
      <label>
        Report text
        <input type="search" name="q" defaultValue={filters.q ?? ""} placeholder={`e.g. ${REPORT_SEARCH_EXAMPLE}`} maxLength={200} aria-describedby="report-search-help" />
      </label>
      <label>
        Study date from
        <input type="date" name="from" defaultValue={filters.from ?? ""} />
      </label>
      <label>
        to
        <input type="date" name="to" defaultValue={filters.to ?? ""} />
      </label>
      <label>
        Labels from
        <select name="labeler" defaultValue={filters.labeler}>
          <option value="chexpert">CheXpert</option>
          <option value="negbio">NegBio</option>
          <option value="radiologist">Radiologist (test set)</option>
        </select>
      </label>
      <label className="inline">
        <input type="checkbox" name="local" value="1" defaultChecked={filters.localOnly} /> Only studies with images in lab storage
      </label>
      <button type="submit">Apply</button>
      <a href={base}>Clear all filters</a>
      <p id="report-search-help" className="muted small form-help">
        Report text: words must all occur · &quot;words in quotes&quot; is that phrase, every word counts (&quot;no&quot; too) · -word or -&quot;a phrase&quot; leaves out reports containing it · or takes either
      </p>
    </form>
  );
}
