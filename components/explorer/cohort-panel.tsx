"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { postJson } from "@/components/post-json";

type Cohort = { id: string; name: string; query: string; studyCount: number; createdAt: string; createdByName: string | null };

/** Save the current filter as a named cohort, and list the dataset's cohorts with their exports. */
export function CohortPanel(props: { apiBase: string; explorerBase: string; query: string; total: number; cohorts: Cohort[] }) {
  const router = useRouter();
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function save(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const r = await postJson(`${props.apiBase}/cohorts`, { name, query: props.query });
    setBusy(false);
    if (!r.ok) return setError(r.fieldErrors?.name?.[0] ?? r.error);
    setName("");
    router.refresh();
  }
  return (
    <div className="card" data-testid="cohorts">
      <h2>Cohorts</h2>
      {props.total === 0 ? (
        // A cohort of no studies is a filter gone wrong, not something to cite or export.
        <p className="muted" data-testid="nothing-to-save">No study matches these filters, so there is nothing to save.</p>
      ) : (
        <form onSubmit={save} className="row">
          <label>
            Save these {props.total.toLocaleString("en-US")} studies as
            <input value={name} onChange={(e) => setName(e.target.value)} placeholder="Cohort name" maxLength={120} required />
          </label>
          <button type="submit" disabled={busy}>{busy ? "Saving…" : "Save cohort"}</button>
        </form>
      )}
      {error && <p className="error" role="alert">{error}</p>}
      {props.cohorts.length === 0 ? (
        <p className="muted">No cohorts saved for this dataset yet.</p>
      ) : (
        <table>
          <thead>
            <tr><th>Name</th><th>Studies</th><th>Saved by</th><th>Filter</th><th /><th /></tr>
          </thead>
          <tbody>
            {props.cohorts.map((c) => (
              <tr key={c.id} data-testid="cohort-row">
                <td>{c.name}</td>
                <td>{c.studyCount.toLocaleString("en-US")}</td>
                <td>{c.createdByName ?? "—"} · {c.createdAt.slice(0, 10)}</td>
                <td><a href={`${props.explorerBase}?${c.query}`}>{c.query || "(all studies)"}</a></td>
                <td><a href={`${props.apiBase}/cohorts/${c.id}/export`} download>Export CSV</a></td>
                <td><Link prefetch={false} href={`/downloads/new?dataset=${props.explorerBase.replace(/^\/datasets\//, "")}&cohort=${c.id}`}>Download these images</Link></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
