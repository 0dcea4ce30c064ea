"use client";
import { useId } from "react";
import { FieldError, useSubmit } from "@/components/forms/use-submit";

// One checkbox and a button: the member attests to the responsible-use text, or re-confirms the DUA
// of one dataset version. The text itself is shown beside the form by the page.
export function AttestForm({ kind, datasetId, label, button }: { kind: "responsible_use" | "dua"; datasetId?: string; label: string; button: string }) {
  const { submit, error, fieldErrors, busy } = useSubmit<{ id: string }>("/api/credentialing/attestations");
  const id = useId();
  return (
    <form
      noValidate
      aria-label={button}
      onSubmit={async (e) => {
        e.preventDefault();
        const agree = new FormData(e.currentTarget).get("agree") === "on";
        await submit(kind === "dua" ? { kind, datasetId, agree } : { kind, agree });
      }}
    >
      <div className="row">
        <div>
          <label htmlFor={id}>
            <input id={id} type="checkbox" name="agree" style={{ minWidth: 0 }} /> {label}
          </label>
          <FieldError errors={fieldErrors} name="agree" />
        </div>
        <button type="submit" disabled={busy}>{button}</button>
      </div>
      {error && Object.keys(fieldErrors).length === 0 && <p className="error" role="alert">{error}</p>}
    </form>
  );
}
