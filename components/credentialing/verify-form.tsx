"use client";
import { useState } from "react";
import { FieldError, useSubmit } from "@/components/forms/use-submit";

type Result = { outcome: string; httpStatus: number | null; message: string };

export function VerifyForm({ datasetId, target, username }: { datasetId: string; target: string; username: string | null }) {
  const { submit, error, fieldErrors, busy } = useSubmit<Result>("/api/credentialing/verify");
  const [result, setResult] = useState<Result | null>(null);
  if (!username) return <p className="muted small">Record your PhysioNet username first to verify with PhysioNet.</p>;
  const id = `verify-${datasetId}`;
  return (
    <form
      noValidate
      aria-label={`Verify ${target} with PhysioNet`}
      onSubmit={async (e) => {
        e.preventDefault();
        const form = e.currentTarget;
        setResult(null);
        const r = await submit({ datasetId, password: new FormData(form).get("password") });
        // The password leaves the page as soon as it has been used.
        form.reset();
        if (r) setResult(r);
      }}
    >
      <div className="row">
        <div>
          <label htmlFor={id}>PhysioNet password for {username}</label>
          <input id={id} name="password" type="password" autoComplete="current-password" />
          <FieldError errors={fieldErrors} name="password" />
        </div>
        <button type="submit" className="secondary" disabled={busy}>{busy ? "Asking PhysioNet…" : "Verify with PhysioNet"}</button>
      </div>
      <p className="muted small">Your password is used for this one check and is not stored.</p>
      {error && !fieldErrors.password && <p className="error" role="alert">{error}</p>}
      {result && <p className={result.outcome === "confirmed" ? "ok" : "error"} role="status">{result.message}</p>}
    </form>
  );
}
