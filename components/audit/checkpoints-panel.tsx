import { listLatestCheckpoints } from "@/lib/audit/checkpoint-status";

// Shown to stewards on the audit page: the chain's signed anchors in lab storage. Rendered inside a
// page that already required the steward role.
export async function CheckpointsPanel() {
  // Lab storage being unreachable must not hide the audit log itself.
  const listed = await listLatestCheckpoints({ limit: 5 }).catch((e: unknown) => {
    console.error(`labgate: audit checkpoints could not be read: ${e instanceof Error ? e.message : String(e)}`);
    return null;
  });
  if (!listed) {
    return (
      <div className="card" data-testid="audit-checkpoints">
        <h2>Signed checkpoints</h2>
        <p className="muted">Lab storage could not be read, so the checkpoints cannot be shown now. <code>npm run audit:verify</code> checks them.</p>
      </div>
    );
  }
  const { fingerprint, total, checkpoints } = listed;
  return (
    <div className="card" data-testid="audit-checkpoints">
      <h2>Signed checkpoints</h2>
      <p className="muted">
        The log&apos;s head, signed every 10 minutes with a key the database does not hold (public key <code data-testid="checkpoint-key">{fingerprint}</code>) and kept in
        lab storage. <code>npm run audit:verify</code> checks all {total} against the whole log.
      </p>
      {checkpoints.length === 0 ? (
        <p className="muted">No checkpoint yet: the background worker writes one when it starts and every 10 minutes.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>When (UTC)</th>
              <th>Last row</th>
              <th>Head hash</th>
              <th>Signature</th>
              <th>Log still matches</th>
            </tr>
          </thead>
          <tbody>
            {checkpoints.map((c) => (
              <tr key={c.key} title={c.problem ?? undefined}>
                <td>{c.at ? c.at.replace("T", " ").slice(0, 19) : "—"}</td>
                <td>{c.lastId ?? "—"}</td>
                <td>{c.headHashPrefix ? <code>{c.headHashPrefix}…</code> : "—"}</td>
                <td>
                  <span className={`badge ${c.signatureValid ? "ok" : "failed"}`}>{c.signatureValid ? "valid" : "INVALID"}</span>
                </td>
                <td>{c.matchesLog === null ? "—" : <span className={`badge ${c.matchesLog ? "ok" : "failed"}`}>{c.matchesLog ? "yes" : "NO"}</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
