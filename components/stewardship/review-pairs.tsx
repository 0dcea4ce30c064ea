"use client";
import type { AccessReviewPair } from "@/lib/credentialing/access-reviews";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { postJson } from "@/components/post-json";
import { DateTime } from "@/components/ui/date-time";
import { ReasonDialog, type ReasonRequest } from "./reason-dialog";
import styles from "./stewardship.module.css";

export type ReviewPair = Omit<AccessReviewPair, "decidedAt" | "lastAccess"> & { decidedAt: string | null; lastAccess: string | null };

/** currentUserId: the steward looking; their own pairs are certified by someone else (decision 016). */
export function ReviewPairs({ reviewId, pairs, open, currentUserId }: { reviewId: string; pairs: ReviewPair[]; open: boolean; currentUserId: string }) {
  const router = useRouter();
  const [request, setRequest] = useState<ReasonRequest | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const url = `/api/stewardship/reviews/${reviewId}/items`;

  async function certify(p: ReviewPair) {
    setNotice(null);
    setError(null);
    const res = await postJson(url, { userId: p.userId, datasetId: p.datasetId, decision: "certify" });
    if (res.ok) setNotice(`Certified: ${p.email} / ${p.dataset}.`);
    else setError(res.error);
    router.refresh();
  }

  function revoke(p: ReviewPair) {
    setNotice(null);
    setError(null);
    setRequest({
      title: "Revoke access",
      description: `Revoke the access of ${p.email} to ${p.dataset}. It ends on their next request.`,
      label: "Reason (the member is told)",
      required: true,
      confirmLabel: "Revoke",
      danger: true,
      onConfirm: async (comment) => {
        const res = await postJson(url, { userId: p.userId, datasetId: p.datasetId, decision: "revoke", comment });
        if (!res.ok) return res.error;
        setNotice(`Revoked: ${p.email} / ${p.dataset}.`);
        router.refresh();
        return null;
      },
    });
  }

  return (
    <>
      {notice && <p className="ok" role="status">{notice}</p>}
      {error && <p className="error" role="alert">{error}</p>}
      <table data-testid="review-pairs">
        <thead>
          <tr><th>Member</th><th>Dataset</th><th>Last data access</th><th>Decision</th><th>By</th><th>Comment</th><th /></tr>
        </thead>
        <tbody>
          {pairs.map((p) => (
            <tr key={`${p.userId}:${p.datasetId}`} data-email={p.email} data-dataset={p.dataset}>
              <td><Link href={`/members/${p.userId}/timeline`}>{p.name}</Link><div className="muted small">{p.email}</div></td>
              <td>{p.dataset}</td>
              <td data-testid="pair-last-access">{p.lastAccess ? <DateTime value={p.lastAccess} withTime /> : <span className="muted">never</span>}</td>
              <td data-testid="pair-decision">
                {p.decision ? <span className={`badge ${p.decision === "certified" ? "ok" : "revoked"}`}>{p.decision}</span> : <span className="muted">unanswered</span>}
              </td>
              <td>{p.decidedBy ?? (p.decision === "expired" ? "deadline" : "—")}{p.decidedAt && <div className="muted small">{p.decidedAt.slice(0, 10)}</div>}</td>
              <td>{p.comment ?? ""}</td>
              <td>
                {open && !p.decision && (
                  <span className={styles.actions}>
                    {p.userId === currentUserId ? (
                      <span className="muted small">Your own access: another steward certifies it</span>
                    ) : (
                      <button type="button" aria-label={`Certify access of ${p.email} to ${p.dataset}`} onClick={() => void certify(p)}>Certify</button>
                    )}
                    <button type="button" className="danger" aria-label={`Revoke access of ${p.email} to ${p.dataset}`} onClick={() => revoke(p)}>Revoke</button>
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {request && <ReasonDialog request={request} onClose={() => setRequest(null)} />}
    </>
  );
}
