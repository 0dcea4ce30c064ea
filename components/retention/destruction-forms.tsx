"use client";
import { useState } from "react";
import { FieldError, useSubmit } from "@/components/forms/use-submit";

// Both steps ask for the version's name typed out: a destruction cannot be clicked by accident.

export function RequestDestructionForm({ datasetId, label }: { datasetId: string; label: string }) {
  const { submit, error, fieldErrors, busy } = useSubmit<{ id: string }>("/api/stewardship/retention");
  const [open, setOpen] = useState(false);
  if (!open) {
    return (
      <button type="button" className="secondary" onClick={() => setOpen(true)}>
        Destroy now…
      </button>
    );
  }
  return (
    <form
      noValidate
      aria-label={`Request destruction of ${label}`}
      onSubmit={async (e) => {
        e.preventDefault();
        await submit({ datasetId, confirm: new FormData(e.currentTarget).get("confirm") });
      }}
    >
      <p className="small">
        Every stored file, imported row, thumbnail and cohort of <strong>{label}</strong> will be removed and members lose access. A second steward or an
        admin must confirm. Type <code>{label}</code> to request it.
      </p>
      <input name="confirm" aria-label={`Type ${label} to confirm`} autoComplete="off" />{" "}
      <button type="submit" className="danger" disabled={busy}>
        Request destruction
      </button>{" "}
      <button type="button" className="secondary" onClick={() => setOpen(false)}>
        Keep
      </button>
      <FieldError errors={fieldErrors} name="confirm" />
      {error && Object.keys(fieldErrors).length === 0 && <span className="error small" role="alert"> {error}</span>}
    </form>
  );
}

export function DecideDestructionForm({ destructionId, label, ownRequest }: { destructionId: string; label: string; ownRequest: boolean }) {
  const { submit, error, fieldErrors, busy } = useSubmit<{ status: string }>(`/api/stewardship/retention/${destructionId}`);
  return (
    <form
      noValidate
      aria-label={`Confirm destruction of ${label}`}
      onSubmit={async (e) => {
        e.preventDefault();
        const action = (e.nativeEvent as SubmitEvent).submitter?.getAttribute("value") ?? "confirm";
        await submit({ action, confirm: new FormData(e.currentTarget).get("confirm") });
      }}
    >
      {ownRequest ? (
        <p className="small">You requested this destruction; a different steward or an admin must confirm it.</p>
      ) : (
        <>
          <input name="confirm" aria-label={`Type ${label} to confirm the destruction`} autoComplete="off" />{" "}
          <button type="submit" name="action" value="confirm" className="danger" disabled={busy}>
            Confirm destruction
          </button>{" "}
        </>
      )}
      <button type="submit" name="action" value="cancel" className="secondary" disabled={busy}>
        Cancel request
      </button>
      <FieldError errors={fieldErrors} name="confirm" />
      {error && Object.keys(fieldErrors).length === 0 && <span className="error small" role="alert"> {error}</span>}
    </form>
  );
}
