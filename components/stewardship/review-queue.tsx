"use client";
import type { PendingDua, PendingTraining } from "@/lib/credentialing/review-queue";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { postJson } from "@/components/post-json";
import { ReasonDialog, type ReasonRequest } from "./reason-dialog";
import styles from "./stewardship.module.css";

// What the page hands over: the lib's rows, with dates as ISO strings across the server/client line.
export type QueueTraining = Omit<PendingTraining, "userId" | "submittedAt"> & { submittedAt: string };
export type QueueDua = Omit<PendingDua, "userId" | "datasetId" | "submittedAt"> & { submittedAt: string };

type Decision = "accept" | "reject";
const day = (iso: string) => iso.slice(0, 10);

export function ReviewQueue({ trainings, duas }: { trainings: QueueTraining[]; duas: QueueDua[] }) {
  const router = useRouter();
  const [request, setRequest] = useState<ReasonRequest | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  // mismatch: the name or initials differ from the member's; accepting then needs the steward's reason.
  function ask(url: string, what: string, decision: Decision, mismatch: string | null) {
    setNotice(null);
    setRequest({
      title: decision === "accept" ? `Accept ${what}` : `Reject ${what}`,
      description: decision === "accept" && mismatch ? `${mismatch}. To accept anyway, say how you confirmed it is theirs.` : undefined,
      label: decision === "accept" ? "Comment" : "Comment (the member is told what to fix)",
      required: decision === "reject" || mismatch !== null,
      confirmLabel: decision === "accept" ? "Accept" : "Reject",
      danger: decision === "reject",
      onConfirm: async (comment) => {
        const res = await postJson(url, { decision, comment: comment || undefined });
        if (!res.ok) {
          // Someone else decided first: show the queue as it is now.
          router.refresh();
          return res.error;
        }
        setNotice(`${what.charAt(0).toUpperCase()}${what.slice(1)} ${decision === "accept" ? "accepted" : "rejected"}.`);
        router.refresh();
        return null;
      },
    });
  }

  const buttons = (url: string, what: string, canAccept = true, mismatch: string | null = null) => (
    <span className={styles.actions}>
      {canAccept && (
        <button type="button" aria-label={`Accept ${what}`} onClick={() => ask(url, what, "accept", mismatch)}>Accept</button>
      )}
      <button type="button" className="danger" aria-label={`Reject ${what}`} onClick={() => ask(url, what, "reject", null)}>Reject</button>
    </span>
  );

  return (
    <>
      {notice && <p className="ok" role="status">{notice}</p>}
      <div className="card">
        <h2>CITI training reports ({trainings.length})</h2>
        {trainings.length === 0 ? (
          <p className="muted">No training awaits review.</p>
        ) : (
          <table data-testid="queue-trainings">
            <thead>
              <tr><th>Member</th><th>Learner on report</th><th>Course</th><th>Completed</th><th>Expires (printed)</th><th>Record</th><th>Evidence</th><th>Submitted</th><th /></tr>
            </thead>
            <tbody>
              {trainings.map((t) => (
                <tr key={t.id} data-email={t.memberEmail}>
                  <td>{t.memberName}<div className="muted small">{t.memberEmail}</div></td>
                  <td>
                    {t.learnerName}
                    {!t.nameCheck.matches && <div className="error small" role="note" data-testid="name-mismatch">Not the member&apos;s name: check before accepting</div>}
                  </td>
                  <td>{t.course}{t.kind === "certificate" && <div className="error small">Completion Certificate, not a report</div>}</td>
                  <td>{t.completionDate}</td>
                  <td>{t.expirationDate ?? "—"}</td>
                  <td>{t.recordId}</td>
                  <td>
                    <a href={t.pdfUrl} target="_blank" rel="noreferrer">PDF</a> · {/^https:\/\//.test(t.verificationUrl) ? <a href={t.verificationUrl} target="_blank" rel="noreferrer noopener">verify on CITI</a> : <code>{t.verificationUrl}</code>}
                  </td>
                  <td>{day(t.submittedAt)}</td>
                  <td>{buttons(`/api/stewardship/trainings/${t.id}/review`, `the training of ${t.memberEmail}`, t.kind === "report", t.nameCheck.matches ? null : t.nameCheck.detail)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <div className="card">
        <h2>DUA signatures ({duas.length})</h2>
        {duas.length === 0 ? (
          <p className="muted">No DUA signature awaits review.</p>
        ) : (
          <table data-testid="queue-duas">
            <thead>
              <tr><th>Member</th><th>Dataset</th><th>Agreement</th><th>Signed on</th><th>Initials</th><th>Submitted</th><th /></tr>
            </thead>
            <tbody>
              {duas.map((d) => (
                <tr key={d.id} data-email={d.memberEmail}>
                  <td>{d.memberName}<div className="muted small">{d.memberEmail}</div></td>
                  <td>{d.dataset}</td>
                  <td>
                    {d.duaName} {d.duaVersion}
                    {!d.matchesCurrentDua && <div className="error small">The dataset now requires another agreement</div>}
                  </td>
                  <td>{d.signedOn}</td>
                  <td>
                    {d.initials}
                    {!d.initialsCheck.matches && <div className="error small" role="note" data-testid="initials-mismatch">Not the member&apos;s initials</div>}
                  </td>
                  <td>{day(d.submittedAt)}</td>
                  <td>{buttons(`/api/stewardship/duas/${d.id}/review`, `the DUA signature of ${d.memberEmail} for ${d.dataset}`, true, d.initialsCheck.matches ? null : d.initialsCheck.detail)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {request && <ReasonDialog request={request} onClose={() => setRequest(null)} />}
    </>
  );
}
