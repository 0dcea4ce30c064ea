import Link from "next/link";
import type { LabDatasetSummary } from "@/lib/datasets/find-dataset";

/** The lab's dataset versions; only those this member may open are links. */
export function DatasetsList({ datasets, canImport }: { datasets: LabDatasetSummary[]; canImport: boolean }) {
  if (datasets.length === 0) return <p className="muted">Your lab holds no datasets yet. A data steward adds them.</p>;
  return (
    <table data-testid="datasets">
      <thead>
        <tr><th>Dataset</th><th>Version</th><th>Requires</th><th>Imported</th><th>Your access</th>{canImport && <th />}</tr>
      </thead>
      <tbody>
        {datasets.map((d) => (
          <tr key={d.id}>
            <td>{d.hasAccess ? <Link prefetch={false} href={`/datasets/${d.slug}/${d.version}`}>{d.title}</Link> : d.title} <span className="muted">({d.slug})</span></td>
            <td>{d.version}</td>
            <td data-testid="requires">
              <ul className="plain small">
                {d.requires.map((r) => (
                  <li key={r}>{r}</li>
                ))}
              </ul>
            </td>
            <td>{d.lastImportAt ? `${d.studies.toLocaleString("en-US")} studies, ${d.images.toLocaleString("en-US")} images` : "not imported yet"}</td>
            <td>
              {d.hasAccess ? (
                <span className="badge ok">granted</span>
              ) : (
                <span className="badge denied">no access</span>
              )}
            </td>
            {canImport && (
              <td>
                <Link prefetch={false} href={`/datasets/${d.slug}/${d.version}/import`}>Import…</Link>
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
