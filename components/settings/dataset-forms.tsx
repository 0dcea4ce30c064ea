"use client";
import { useState } from "react";
import { FieldError, useSubmit } from "@/components/forms/use-submit";

export function RetentionForm({ datasetId, retentionDays, label }: { datasetId: string; retentionDays: number | null; label: string }) {
  const { submit, error, fieldErrors, busy } = useSubmit(`/api/settings/datasets/${datasetId}/retention`);
  const [saved, setSaved] = useState(false);
  return (
    <form
      noValidate
      aria-label={`Retention of ${label}`}
      onSubmit={async (e) => {
        e.preventDefault();
        setSaved(false);
        const v = String(new FormData(e.currentTarget).get("retentionDays") ?? "").trim();
        if (await submit({ retentionDays: v === "" ? null : Number(v) })) setSaved(true);
      }}
    >
      <input aria-label={`Retention in days for ${label}`} name="retentionDays" type="number" min={1} defaultValue={retentionDays ?? ""} style={{ minWidth: "7rem" }} />{" "}
      <button type="submit" className="secondary" disabled={busy}>Save</button>
      <FieldError errors={fieldErrors} name="retentionDays" />
      {error && Object.keys(fieldErrors).length === 0 && <span className="error small" role="alert"> {error}</span>}
      {saved && <span className="ok small" role="status"> Saved.</span>}
    </form>
  );
}

export function AddDatasetForm({ trainingTypes }: { trainingTypes: { slug: string; name: string }[] }) {
  const { submit, error, fieldErrors, busy } = useSubmit<{ id: string; created: boolean }>("/api/settings/datasets");
  const [added, setAdded] = useState<string | null>(null);
  return (
    <form
      noValidate
      aria-label="Add a dataset version"
      onSubmit={async (e) => {
        e.preventDefault();
        setAdded(null);
        const form = e.currentTarget;
        const f = new FormData(form);
        const retention = String(f.get("retentionDays") ?? "").trim();
        const r = await submit({
          slug: f.get("slug"),
          version: f.get("version"),
          title: f.get("title"),
          requiredTrainingTypes: f.getAll("requiredTrainingTypes"),
          duaName: f.get("duaName"),
          duaVersion: f.get("duaVersion"),
          retentionDays: retention === "" ? null : Number(retention),
        });
        if (r) {
          setAdded(`${f.get("slug")} ${f.get("version")} added${r.created ? "" : " (labgate already knew this version)"}.`);
          form.reset();
        }
      }}
    >
      <div className="row">
        <div><label htmlFor="ds-slug">PhysioNet slug</label><input id="ds-slug" name="slug" placeholder="mimic-iv" /><FieldError errors={fieldErrors} name="slug" /></div>
        <div><label htmlFor="ds-version">Version</label><input id="ds-version" name="version" placeholder="3.1" /><FieldError errors={fieldErrors} name="version" /></div>
        <div><label htmlFor="ds-title">Title</label><input id="ds-title" name="title" /><FieldError errors={fieldErrors} name="title" /></div>
      </div>
      <p className="muted small">
        The access policy is not chosen here. For a PhysioNet project labgate knows (MIMIC-CXR, MIMIC-CXR-JPG, MIMIC-IV, eICU, MIMIC-III and others) the
        policy, training and DUA are PhysioNet&apos;s and the fields below are ignored; any other project is treated as credentialed, with the training
        and DUA you name for your lab only.
      </p>
      <div className="row">
        <div><label htmlFor="ds-dua">DUA name</label><input id="ds-dua" name="duaName" defaultValue="PhysioNet Credentialed Health Data Use Agreement" /><FieldError errors={fieldErrors} name="duaName" /></div>
        <div><label htmlFor="ds-dua-version">DUA version</label><input id="ds-dua-version" name="duaVersion" defaultValue="1.5.0" /></div>
        <div><label htmlFor="ds-retention">Retention (days; empty = not set)</label><input id="ds-retention" name="retentionDays" type="number" min={1} /><FieldError errors={fieldErrors} name="retentionDays" /></div>
        <fieldset>
          <legend className="small">Required training</legend>
          {trainingTypes.map((t) => (
            <label key={t.slug} className="small"><input type="checkbox" name="requiredTrainingTypes" value={t.slug} defaultChecked style={{ minWidth: 0 }} /> {t.name}</label>
          ))}
        </fieldset>
        <button type="submit" disabled={busy}>Add dataset version</button>
      </div>
      {error && Object.keys(fieldErrors).length === 0 && <p className="error" role="alert">{error}</p>}
      {added && <p className="ok" role="status">{added}</p>}
    </form>
  );
}
