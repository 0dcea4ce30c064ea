import type { AuditFilter } from "@/lib/audit/query";

// A plain GET form: the filter lives in the URL, so a filtered view can be bookmarked and shared.
export function AuditFilters({ filter, exportHref }: { filter: AuditFilter; exportHref: string }) {
  return (
    <form className="filters" method="get" action="/audit">
      <div>
        <label htmlFor="f-action">Action</label>
        <input id="f-action" name="action" placeholder="e.g. auth.sign_in" defaultValue={filter.action ?? ""} />
      </div>
      <div>
        <label htmlFor="f-actor">Actor email</label>
        <input id="f-actor" name="actor" defaultValue={filter.actor ?? ""} />
      </div>
      <div>
        <label htmlFor="f-outcome">Outcome</label>
        <select id="f-outcome" name="outcome" defaultValue={filter.outcome ?? ""}>
          <option value="">any</option>
          <option value="ok">ok</option>
          <option value="denied">denied</option>
          <option value="failed">failed</option>
        </select>
      </div>
      <div>
        <label htmlFor="f-from">From</label>
        <input id="f-from" name="from" type="date" defaultValue={filter.from ?? ""} />
      </div>
      <div>
        <label htmlFor="f-to">To</label>
        <input id="f-to" name="to" type="date" defaultValue={filter.to ?? ""} />
      </div>
      <button type="submit">Filter</button>
      <a className="button" href={exportHref} download>Export CSV</a>
    </form>
  );
}
