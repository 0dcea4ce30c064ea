"use client";
import { FieldError, useSubmit } from "@/components/forms/use-submit";
import { RESPONSIBLE_USE } from "@/lib/credentialing/responsible-use";

/** responsibleUse: the lab requires the responsible-use attestation and the member holds no current one. */
export function DuaForm({ datasetId, duaLabel, target, responsibleUse = false }: { datasetId: string; duaLabel: string; target: string; responsibleUse?: boolean }) {
  const { submit, error, fieldErrors, busy } = useSubmit<{ id: string }>("/api/credentialing/dua");
  const id = (name: string) => `dua-${datasetId}-${name}`;
  return (
    <form
      noValidate
      aria-label={`Record DUA signature for ${target}`}
      onSubmit={async (e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        await submit({ datasetId, signedOn: f.get("signedOn"), initials: f.get("initials"), agree: f.get("agree") === "on", ...(responsibleUse ? { responsibleUse: f.get("responsibleUse") === "on" } : {}) });
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
        {responsibleUse && (
          <div>
            <label>
              <input type="checkbox" name="responsibleUse" style={{ minWidth: 0 }} /> I attest to the {RESPONSIBLE_USE.name} (version {RESPONSIBLE_USE.version}) shown above
            </label>
            <FieldError errors={fieldErrors} name="responsibleUse" />
          </div>
        )}
        <button type="submit" disabled={busy}>Record signature</button>
      </div>
      {error && Object.keys(fieldErrors).length === 0 && <p className="error" role="alert">{error}</p>}
    </form>
  );
}
