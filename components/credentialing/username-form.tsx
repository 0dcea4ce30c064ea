"use client";
import { useState } from "react";
import { FieldError, useSubmit } from "@/components/forms/use-submit";

export function UsernameForm({ current }: { current: string | null }) {
  const { submit, error, fieldErrors, busy } = useSubmit<{ changed: boolean }>("/api/credentialing/physionet-account");
  const [saved, setSaved] = useState(false);
  return (
    <form
      noValidate
      onSubmit={async (e) => {
        e.preventDefault();
        setSaved(false);
        const ok = await submit({ username: new FormData(e.currentTarget).get("username") });
        if (ok) setSaved(true);
      }}
    >
      <div className="row">
        <div>
          <label htmlFor="physionet-username">PhysioNet username</label>
          <input id="physionet-username" name="username" defaultValue={current ?? ""} autoComplete="username" placeholder="e.g. jdoe" />
          <FieldError errors={fieldErrors} name="username" />
        </div>
        <button type="submit" disabled={busy}>{current ? "Update username" : "Save username"}</button>
      </div>
      {error && !fieldErrors.username && <p className="error" role="alert">{error}</p>}
      {saved && <p className="ok" role="status">Saved.</p>}
    </form>
  );
}
