"use client";
import { FieldError, useSubmit } from "@/components/forms/use-submit";

export function DuaForm({ datasetId, duaLabel, target }: { datasetId: string; duaLabel: string; target: string }) {
  const { submit, error, fieldErrors, busy } = useSubmit<{ id: string }>("/api/credentialing/dua");
  const id = (name: string) => `dua-${datasetId}-${name}`;
  return (
    <form
      noValidate
      aria-label={`Record DUA signature for ${target}`}
      onSubmit={async (e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        await submit({ datasetId, signedOn: f.get("signedOn"), initials: f.get("initials"), agree: f.get("agree") === "on" });
      }}
    >
      <p className="small">
        Record the date you signed the <strong>{duaLabel}</strong> for <strong>{target}</strong> on PhysioNet. A signature covers this version only.
      </p>
      <div className="row">
        <div>
          <label htmlFor={id("date")}>Signed on</label>
          <input id={id("date")} name="signedOn" type="date" />
          <FieldError errors={fieldErrors} name="signedOn" />
        </div>
        <div>
          <label htmlFor={id("initials")}>Your initials</label>
          <input id={id("initials")} name="initials" maxLength={5} style={{ minWidth: "5rem" }} />
          <FieldError errors={fieldErrors} name="initials" />
        </div>
        <div>
          <label>
            <input type="checkbox" name="agree" style={{ minWidth: 0 }} /> I signed this agreement on PhysioNet and will follow it
          </label>
          <FieldError errors={fieldErrors} name="agree" />
        </div>
        <button type="submit" disabled={busy}>Record signature</button>
      </div>
      {error && Object.keys(fieldErrors).length === 0 && <p className="error" role="alert">{error}</p>}
    </form>
  );
}
