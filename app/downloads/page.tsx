import Link from "next/link";
import { requireUser } from "@/lib/auth/current-user";
import { roleAtLeast } from "@/lib/auth/roles";
import { getDb } from "@/lib/db/client";
import { hasSavedCredentials } from "@/lib/downloads/credentials/store";
import { formatBytes, STATE_LABELS } from "@/lib/downloads/format";
import { listDownloadJobs } from "@/lib/downloads/queries";
import { labUsage } from "@/lib/downloads/usage";
import { ForgetPasswordButton, QuotaForm } from "@/components/downloads/storage-settings";

export default async function DownloadsPage() {
  const user = await requireUser();
  const steward = roleAtLeast(user.role, "steward");
  const [jobs, usage, saved] = await Promise.all([listDownloadJobs({ user }), labUsage(getDb(), user.labId), hasSavedCredentials(getDb(), user.id)]);
  return (
    <>
      <h1>Downloads</h1>
      <p><Link prefetch={false} href="/downloads/new">New download…</Link></p>
      <div className="card">
        <h2>{steward ? "The lab's downloads" : "Your downloads"}</h2>
        {jobs.length === 0 ? (
          <p className="muted">No downloads yet.</p>
        ) : (
          <table data-testid="downloads">
            <thead>
              <tr><th>Started</th><th>Dataset</th><th>Selection</th>{steward && <th>Member</th>}<th>Outcome</th><th>Files</th><th>Size</th></tr>
            </thead>
            <tbody>
              {jobs.map((j) => (
                <tr key={j.id}>
                  <td><Link prefetch={false} href={`/downloads/${j.id}`}>{j.createdAt.slice(0, 16).replace("T", " ")}</Link></td>
                  <td>{j.dataset.slug} {j.dataset.version}</td>
                  <td>{j.description}</td>
                  {steward && <td>{j.owner.name}</td>}
                  <td>
                    <span className={`badge ${j.state === "completed" ? "ok" : ["failed", "incomplete", "stopped", "cancelled"].includes(j.state) ? "denied" : ""}`}>{STATE_LABELS[j.state] ?? j.state}</span>
                    {j.error ? <span className="muted small"> {j.error}</span> : null}
                  </td>
                  <td>{(j.filesDone + j.filesSkipped).toLocaleString("en-US")} / {j.filesTotal.toLocaleString("en-US")}{j.filesFailed ? ` (${j.filesFailed} failed)` : ""}</td>
                  <td>{formatBytes(j.bytesDone)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <div className="card" data-testid="storage-usage">
        <h2>Lab storage</h2>
        <p>
          {formatBytes(usage.bytes)} in {usage.files.toLocaleString("en-US")} verified files
          {usage.quotaBytes !== null ? ` of a ${formatBytes(usage.quotaBytes)} quota` : " (no quota)"}.
        </p>
        {usage.datasets.length > 0 && (
          <table>
            <thead><tr><th>Dataset</th><th>Files</th><th>Size</th></tr></thead>
            <tbody>
              {usage.datasets.map((d) => (
                <tr key={d.datasetId}><td>{d.title} {d.version}</td><td>{d.files.toLocaleString("en-US")}</td><td>{formatBytes(d.bytes)}</td></tr>
              ))}
            </tbody>
          </table>
        )}
        {steward && <QuotaForm quotaBytes={usage.quotaBytes} />}
      </div>
      {saved.saved && (
        <div className="card">
          <p>Your PhysioNet password is stored encrypted{saved.keep ? " and kept for later downloads" : " until your downloads end"}. <ForgetPasswordButton /></p>
        </div>
      )}
    </>
  );
}
