"use client";
import { useEffect, useRef, useState } from "react";
import styles from "./stewardship.module.css";

export type ReasonRequest = {
  title: string;
  /** What the steward is about to do, in one sentence. */
  description?: string;
  label: string;
  required: boolean;
  confirmLabel: string;
  danger?: boolean;
  /** Resolves to an error message to show, or null when done. */
  onConfirm: (reason: string) => Promise<string | null>;
};

// A modal asking for a reason or comment before a decision; it stays open with the server's message
// when the decision is refused (e.g. a 409 naming the missing step).
export function ReasonDialog({ request, onClose }: { request: ReasonRequest; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (request.required && !reason.trim()) return setError(`${request.label} is required`);
    setBusy(true);
    setError(null);
    const failed = await request.onConfirm(reason.trim());
    setBusy(false);
    if (failed) setError(failed);
    else onClose();
  }

  return (
    <dialog ref={ref} className={styles.dialog} aria-labelledby="reason-dialog-title" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <h2 id="reason-dialog-title">{request.title}</h2>
        {request.description && <p>{request.description}</p>}
        <label htmlFor="reason-dialog-text">
          {request.label}
          {request.required ? "" : " (optional)"}
        </label>
        <textarea id="reason-dialog-text" rows={3} value={reason} onChange={(e) => setReason(e.target.value)} required={request.required} maxLength={1000} autoFocus />
        {error && <p className="error" role="alert">{error}</p>}
        <div className={styles.buttons}>
          <button type="button" className="secondary" onClick={onClose}>Cancel</button>
          <button type="submit" className={request.danger ? "danger" : undefined} disabled={busy}>{request.confirmLabel}</button>
        </div>
      </form>
    </dialog>
  );
}
