"use client";
import { useState } from "react";
import { FieldError, useSubmit } from "@/components/forms/use-submit";

type Created = { id: string; token: string; name: string; expiresAt: string };

/** Creates a token and shows it exactly once: it is not stored anywhere labgate could show it again. */
export function CreateTokenForm({ datasets }: { datasets: { id: string; label: string }[] }) {
  const { submit, error, fieldErrors, busy } = useSubmit<Created>("/api/account/tokens");
  const [created, setCreated] = useState<Created | null>(null);
  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const formEl = e.currentTarget;
    const form = new FormData(formEl);
    const res = await submit({ name: form.get("name"), expiresInDays: Number(form.get("expiresInDays")), datasetIds: form.getAll("datasetIds").map(String) });
    if (!res) return;
    formEl.reset();
    setCreated(res);
  }
  return (
    <>
      {created && (
        <div className="card" role="status" data-testid="new-token">
          <p><strong>Copy your new token “{created.name}” now.</strong> It is shown this once; labgate keeps only a hash of it.</p>
          <p><code data-testid="token-secret">{created.token}</code></p>
          <p className="muted small">Valid until {created.expiresAt.slice(0, 10)}. Use it as <code>Authorization: Bearer …</code> or <code>LABGATE_TOKEN</code>.</p>
        </div>
      )}
      <form onSubmit={onSubmit} noValidate>
        <label htmlFor="name">Name (what it is for)</label>
        <input id="name" name="name" required maxLength={80} placeholder="GPU node training run" />
        <FieldError errors={fieldErrors} name="name" />
        <label htmlFor="expiresInDays">Valid for</label>
        <select id="expiresInDays" name="expiresInDays" defaultValue="30">
          <option value="7">7 days</option>
          <option value="30">30 days</option>
          <option value="90">90 days (the most allowed)</option>
        </select>
        {datasets.length > 0 && (
          <fieldset>
            <legend>Only these dataset versions (none ticked: every version you may read)</legend>
            {datasets.map((d) => (
              <label key={d.id} className="inline"><input type="checkbox" name="datasetIds" value={d.id} /> {d.label}</label>
            ))}
          </fieldset>
        )}
        <p className="muted small">Tokens only read: datasets, cohorts, manifests, studies and files, each request checked against your access and audited. They never act for you in the browser, for stewardship or on the audit log.</p>
        {error && !Object.keys(fieldErrors).length && <p className="error" role="alert">{error}</p>}
        <p><button type="submit" disabled={busy}>Create token</button></p>
      </form>
    </>
  );
}
