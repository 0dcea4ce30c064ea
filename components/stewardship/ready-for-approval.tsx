"use client";
import Link from "next/link";
import { DateTime } from "@/components/ui/date-time";
import { GrantButtons, useGrantActions } from "./grant-actions";

export type ReadyPair = { userId: string; name: string; email: string; datasetId: string; dataset: string; since: string | null };

/** Members with every step done for a version, waiting only for a steward's approval. */
export function ReadyForApproval({ pairs }: { pairs: ReadyPair[] }) {
  const { ask, dialog, notice } = useGrantActions();
  return (
    <section className="card" aria-labelledby="ready-heading">
      <h2 id="ready-heading">Ready for approval ({pairs.length})</h2>
      <p className="muted">Every step is done: the account, training, credentialing and the signed DUA. Only your approval is missing.</p>
      {notice && <p className="ok" role="status">{notice}</p>}
      {pairs.length === 0 ? (
        <p className="muted">Nobody is waiting for approval.</p>
      ) : (
        <div className="table-scroll">
          <table data-testid="ready-for-approval">
            <thead>
              <tr><th>Member</th><th>Dataset</th><th>Last step done</th><th>Decide</th></tr>
            </thead>
            <tbody>
              {pairs.map((p) => (
                <tr key={`${p.userId}:${p.datasetId}`} data-email={p.email}>
                  <td><Link href={`/members/${p.userId}/timeline`}>{p.name}</Link><div className="muted small">{p.email}</div></td>
                  <td>{p.dataset}</td>
                  <td><DateTime value={p.since} /></td>
                  <td><GrantButtons target={{ userId: p.userId, email: p.email, datasetId: p.datasetId, dataset: p.dataset }} actions={["approve"]} ask={ask} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {dialog}
    </section>
  );
}
