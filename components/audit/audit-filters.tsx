import type { AuditFilter } from "@/lib/audit/query";

type Choices = { actions: string[]; members: { id: string; name: string; email: string }[]; versions: { id: string; slug: string; version: string }[] };

// A plain GET form: the filter lives in the URL, so a filtered view can be bookmarked and shared.
export function AuditFilters({ filter, choices, exportHref }: { filter: AuditFilter; choices: Choices; exportHref: string }) {
  const groups = [...new Set(choices.actions.map((a) => a.split(".")[0]!))];
  const actionKnown = !filter.action || choices.actions.includes(filter.action) || groups.some((g) => `${g}.` === filter.action);
  return (
    <form className="filters" method="get" action="/audit">
      <div>
        <label htmlFor="f-action">Action</label>
        <select id="f-action" name="action" defaultValue={filter.action ?? ""}>
          <option value="">any</option>
          {/* A prefix typed into the URL (e.g. "invite.") stays selectable. */}
          {!actionKnown && <option value={filter.action}>{filter.action}…</option>}
          {groups.map((group) => (
            <optgroup key={group} label={group}>
              <option value={`${group}.`}>{group}.* (all)</option>
              {choices.actions.filter((a) => a.split(".")[0] === group).map((a) => <option key={a} value={a}>{a}</option>)}
            </optgroup>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="f-member">Member</label>
        <select id="f-member" name="member" defaultValue={filter.member ?? ""}>
          <option value="">anyone</option>
          {choices.members.map((m) => <option key={m.id} value={m.id}>{m.name} ({m.email})</option>)}
        </select>
      </div>
      <div>
        <label htmlFor="f-dataset">Dataset</label>
        <select id="f-dataset" name="dataset" defaultValue={filter.dataset ?? ""}>
          <option value="">any</option>
          {choices.versions.map((d) => <option key={d.id} value={d.id}>{d.slug} {d.version}</option>)}
        </select>
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
      {filter.target && (
        <div>
          <label htmlFor="f-target">Target</label>
          <input id="f-target" name="target" defaultValue={filter.target} />
        </div>
      )}
      <button type="submit">Filter</button>
      <a className="button secondary" href="/audit">Clear</a>
      <a className="button" href={exportHref} download>Export CSV</a>
    </form>
  );
}
