"use client";
import { useState } from "react";
import { FieldError, useSubmit } from "@/components/forms/use-submit";

const STAGES = [
  ["not_in_review", "Not in review yet"],
  ["id_check", "ID check"],
  ["reference", "Reference check"],
  ["reference_response", "Reference response"],
  ["final_review", "Final review"],
] as const;
const DECISIONS = [
  ["", "No decision yet"],
  ["accepted", "Accepted"],
  ["rejected", "Rejected"],
  ["withdrawn", "Withdrawn"],
  ["revoked", "Revoked"],
] as const;

export type ApplicationValues = { id: string; applicationDate: string; stage: string; decision: string | null; decisionDate: string | null };

export function ApplicationForm({ current }: { current: ApplicationValues | null }) {
  const { submit, error, fieldErrors, busy } = useSubmit<{ id: string }>("/api/credentialing/application");
  // A decided application stays as history; a new one starts empty.
  const [asNew, setAsNew] = useState(current === null || current.decision === "rejected" || current.decision === "withdrawn");
  const v = asNew ? null : current;
  return (
    <form
      key={asNew ? "new" : current?.id}
      noValidate
      onSubmit={async (e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        const decision = String(f.get("decision") ?? "");
        await submit({
          id: v?.id,
          applicationDate: f.get("applicationDate"),
          stage: f.get("stage"),
          decision: decision === "" ? null : decision,
          decisionDate: f.get("decisionDate") ? f.get("decisionDate") : null,
        });
      }}
    >
      <div className="row">
        <div>
          <label htmlFor="application-date">Application date</label>
          <input id="application-date" name="applicationDate" type="date" defaultValue={v?.applicationDate ?? ""} />
          <FieldError errors={fieldErrors} name="applicationDate" />
        </div>
        <div>
          <label htmlFor="application-stage">Stage on PhysioNet</label>
          <select id="application-stage" name="stage" defaultValue={v?.stage ?? "not_in_review"}>
            {STAGES.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
          </select>
        </div>
        <div>
          <label htmlFor="application-decision">Decision</label>
          <select id="application-decision" name="decision" defaultValue={v?.decision ?? ""}>
            {DECISIONS.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
          </select>
          <FieldError errors={fieldErrors} name="decision" />
        </div>
        <div>
          <label htmlFor="decision-date">Decision date</label>
          <input id="decision-date" name="decisionDate" type="date" defaultValue={v?.decisionDate ?? ""} />
          <FieldError errors={fieldErrors} name="decisionDate" />
        </div>
        <button type="submit" disabled={busy}>{v ? "Update application" : "Record application"}</button>
      </div>
      {current && !asNew && (
        <p className="small">
          <button type="button" className="linklike" onClick={() => setAsNew(true)}>I applied again (record a new application)</button>
        </p>
      )}
      {error && Object.keys(fieldErrors).length === 0 && <p className="error" role="alert">{error}</p>}
    </form>
  );
}
