import Link from "next/link";
import { requireRole } from "@/lib/auth/current-user";
import { formatBytes } from "@/lib/downloads/format";
import { adminOverview } from "@/lib/ops/admin-overview";
import { CheckpointsPanel } from "@/components/audit/checkpoints-panel";

export const metadata = { title: "Admin · labgate" };

const day = (d: Date) => d.toISOString().slice(0, 10);

export default async function AdminPage() {
  const user = await requireRole("admin");
  const o = await adminOverview({ labId: user.labId });
  return (
    <>
      <h1>Admin</h1>
      <section className="card" aria-labelledby="lab-heading" data-testid="admin-lab">
        <h2 id="lab-heading">{o.lab.name}</h2>
        <p>{o.lab.institution ?? <span className="muted">No institution recorded</span>} · set up {day(o.lab.createdAt)}</p>
        <p>Mail: {o.mail ?? <span className="muted">not configured (in-app notifications only; set SMTP_URL)</span>}</p>
        <p>Institution sign-in: {o.oidc ?? <span className="muted">not configured (password sign-in only)</span>}</p>
        <p><Link href="/admin/doctor">Run every check (doctor)</Link></p>
      </section>
      <section className="card" aria-labelledby="ops-heading" data-testid="admin-operations">
        <h2 id="ops-heading">Operations</h2>
        <p>
          Lab storage: {o.storage.backend}, {o.storage.usage.files.toLocaleString("en-US")} files, {formatBytes(o.storage.usage.bytes)}
          {o.storage.usage.quotaBytes !== null ? ` of ${formatBytes(o.storage.usage.quotaBytes)} quota` : " (no quota)"}
        </p>
        <p data-testid="admin-worker">
          Background worker:{" "}
          {o.workers.live > 0 ? (
            <span className="ok">{o.workers.live} running, last heartbeat {o.workers.lastBeatAt!.toISOString()}</span>
          ) : (
            <span className="error">not running{o.workers.lastBeatAt ? ` (last heartbeat ${o.workers.lastBeatAt.toISOString()})` : ""}: expiry checks, mail and downloads wait</span>
          )}
          {" · "}jobs waiting: {o.queued ?? "—"}
        </p>
        <p>
          Audit log: {o.auditHead ? <>row {o.auditHead.id}, head <code>{o.auditHead.hash.slice(0, 16)}…</code> at {o.auditHead.at.toISOString()}</> : "empty"} —{" "}
          <Link href="/audit">read it</Link>; the doctor verifies the whole chain and its checkpoints.
        </p>
      </section>
      <CheckpointsPanel />
      <section className="card" aria-labelledby="versions-heading">
        <h2 id="versions-heading">Dataset versions held</h2>
        <table data-testid="admin-versions">
          <thead><tr><th>Dataset</th><th>Held since</th><th>Retention</th><th>Destroy by</th></tr></thead>
          <tbody>
            {o.versions.map((v) => (
              <tr key={`${v.slug}/${v.version}`}>
                <td>{v.slug} {v.version}</td>
                <td>{day(v.heldSince)}</td>
                <td>{v.retentionDays === null ? <span className="muted">not set</span> : `${v.retentionDays} days`}</td>
                <td>{v.dueAt ? day(v.dueAt) : "—"}{v.open ? ` (destruction ${v.open.status})` : ""}</td>
              </tr>
            ))}
            {o.versions.length === 0 && <tr><td colSpan={4} className="muted">The lab holds no dataset version yet (Settings).</td></tr>}
          </tbody>
        </table>
      </section>
    </>
  );
}
