"use client";
import { useState } from "react";
import { FieldError, useSubmit } from "@/components/forms/use-submit";

const optionalDays = (v: FormDataEntryValue | null) => (v === null || String(v).trim() === "" ? null : Number(v));

type AccessPolicyFormProps = { verificationValidDays: number | null; warningDays: number; responsibleUseRequired: boolean; reattestMonths: number | null };

export function AccessPolicyForm({ verificationValidDays, warningDays, responsibleUseRequired, reattestMonths }: AccessPolicyFormProps) {
  const { submit, error, fieldErrors, busy } = useSubmit("/api/settings/access-policy");
  const [saved, setSaved] = useState(false);
  return (
    <form
      noValidate
      aria-label="Access settings"
      onSubmit={async (e) => {
        e.preventDefault();
        setSaved(false);
        const f = new FormData(e.currentTarget);
        const saved = await submit({
          verificationValidDays: optionalDays(f.get("verificationValidDays")),
          warningDays: Number(f.get("warningDays")),
          responsibleUseRequired: f.get("responsibleUseRequired") === "on",
          reattestMonths: optionalDays(f.get("reattestMonths")),
        });
        if (saved) setSaved(true);
      }}
    >
      <div className="row">
        <div>
          <label htmlFor="verification-valid-days">PhysioNet verification stands in for approval for (days; empty = never)</label>
          <input id="verification-valid-days" name="verificationValidDays" type="number" min={1} max={365} defaultValue={verificationValidDays ?? ""} />
          <FieldError errors={fieldErrors} name="verificationValidDays" />
        </div>
        <div>
          <label htmlFor="warning-days">Warn before access ends (days)</label>
          <input id="warning-days" name="warningDays" type="number" min={0} max={365} defaultValue={warningDays} />
          <FieldError errors={fieldErrors} name="warningDays" />
        </div>
        <div>
          <label htmlFor="reattest-months">Members re-confirm DUAs and attestations every (months; empty = never)</label>
          <input id="reattest-months" name="reattestMonths" type="number" min={1} max={60} defaultValue={reattestMonths ?? ""} />
          <FieldError errors={fieldErrors} name="reattestMonths" />
        </div>
        <div>
          <label htmlFor="responsible-use-required">
            <input id="responsible-use-required" name="responsibleUseRequired" type="checkbox" defaultChecked={responsibleUseRequired} style={{ minWidth: 0 }} /> Members attest to responsible use of online services (PhysioNet, September 2025)
          </label>
          <FieldError errors={fieldErrors} name="responsibleUseRequired" />
        </div>
        <button type="submit" disabled={busy}>Save</button>
      </div>
      {error && Object.keys(fieldErrors).length === 0 && <p className="error" role="alert">{error}</p>}
      {saved && <p className="ok" role="status">Saved.</p>}
    </form>
  );
}

export function TrainingValidityForm({ trainingType, name, validityDays }: { trainingType: string; name: string; validityDays: number | null }) {
  const { submit, error, fieldErrors, busy } = useSubmit("/api/settings/training-validity");
  const [saved, setSaved] = useState(false);
  const id = `validity-${trainingType}`;
  return (
    <form
      noValidate
      aria-label={`Validity of ${name}`}
      onSubmit={async (e) => {
        e.preventDefault();
        setSaved(false);
        if (await submit({ trainingType, validityDays: optionalDays(new FormData(e.currentTarget).get("validityDays")) })) setSaved(true);
      }}
    >
      <div className="row">
        <div>
          <label htmlFor={id}>{name}: valid for (days after acceptance; empty = does not expire)</label>
          <input id={id} name="validityDays" type="number" min={1} max={3650} defaultValue={validityDays ?? ""} />
          <FieldError errors={fieldErrors} name="validityDays" />
        </div>
        <button type="submit" disabled={busy}>Save</button>
      </div>
      {error && Object.keys(fieldErrors).length === 0 && <p className="error" role="alert">{error}</p>}
      {saved && <p className="ok" role="status">Saved.</p>}
    </form>
  );
}
