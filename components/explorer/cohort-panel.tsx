"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { postJson } from "@/components/post-json";
import { LABELS } from "@/lib/mimic/import/file-specs";

type Cohort = { id: string; name: string; query: string; splitText: string; studyCount: number; createdAt: string; createdByName: string | null };
type SplitKind = "official" | "random";

/** Save the current filter as a named cohort, and list the dataset's cohorts with their exports. */
export function CohortPanel(props: { apiBase: string; explorerBase: string; query: string; total: number; cohorts: Cohort[] }) {
  const router = useRouter();
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [kind, setKind] = useState<SplitKind>("official");
  const [seed, setSeed] = useState("42");
  const [ratios, setRatios] = useState({ train: "80", validate: "10", test: "10" });
  const [stratify, setStratify] = useState("");
  async function save(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    // Numbers as typed: the route's zod schema says what is wrong with them (sum, range, whole numbers).
    const split =
      kind === "official"
        ? { kind }
        : { kind, seed: Number(seed), ratios: { train: Number(ratios.train), validate: Number(ratios.validate), test: Number(ratios.test) }, stratify: stratify ? { labeler: stratify.split(":")[0], label: stratify.slice(stratify.indexOf(":") + 1) } : null };
    const r = await postJson(`${props.apiBase}/cohorts`, { name, query: props.query, split });
    setBusy(false);
    if (!r.ok) return setError(r.fieldErrors?.name?.[0] ?? Object.values(r.fieldErrors ?? {})[0]?.[0] ?? r.error);
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
        <form onSubmit={save}>
          <label>
            Save these {props.total.toLocaleString("en-US")} studies as
            <input value={name} onChange={(e) => setName(e.target.value)} placeholder="Cohort name" maxLength={120} required />
          </label>
          <fieldset className="row split-choice" data-testid="split-choice">
            <legend>Split</legend>
            <label><input type="radio" name="split" checked={kind === "official"} onChange={() => setKind("official")} /> Official MIMIC-CXR-JPG split</label>
            <label><input type="radio" name="split" checked={kind === "random"} onChange={() => setKind("random")} /> Patient-level split from a seed</label>
            {kind === "random" && (
              <>
                <label>Seed <input inputMode="numeric" size={8} value={seed} onChange={(e) => setSeed(e.target.value)} /></label>
                {(["train", "validate", "test"] as const).map((s) => (
                  <label key={s}>{s} % <input inputMode="numeric" size={3} value={ratios[s]} onChange={(e) => setRatios({ ...ratios, [s]: e.target.value })} /></label>
                ))}
                <label>
                  Stratify by
                  <select value={stratify} onChange={(e) => setStratify(e.target.value)}>
                    <option value="">(no label)</option>
                    {(["chexpert", "negbio"] as const).flatMap((l) => LABELS.map((x) => <option key={`${l}:${x}`} value={`${l}:${x}`}>{l === "chexpert" ? "CheXpert" : "NegBio"} {x} positive</option>))}
                  </select>
                </label>
              </>
            )}
          </fieldset>
          <p><button type="submit" disabled={busy}>{busy ? "Saving…" : "Save cohort"}</button></p>
        </form>
      )}
      {error && <p className="error" role="alert">{error}</p>}
      {props.cohorts.length === 0 ? (
        <p className="muted">No cohorts saved for this dataset yet.</p>
      ) : (
        <table>
          <thead>
            <tr><th>Name</th><th>Studies</th><th>Saved by</th><th>Filter</th><th>Split</th><th /><th /><th /></tr>
          </thead>
          <tbody>
            {props.cohorts.map((c) => (
              <tr key={c.id} data-testid="cohort-row">
                <td>{c.name}</td>
                <td>{c.studyCount.toLocaleString("en-US")}</td>
                <td>{c.createdByName ?? "—"} · {c.createdAt.slice(0, 10)}</td>
                <td><a href={`${props.explorerBase}?${c.query}`}>{c.query || "(all studies)"}</a></td>
                <td>{c.splitText}</td>
                <td><a href={`${props.apiBase}/cohorts/${c.id}/zip`} download data-testid="export-zip">Export for a paper (zip)</a></td>
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
