"use client";
import { useState } from "react";
import { FieldError, useSubmit } from "@/components/forms/use-submit";

type Version = { id: string; version: string };

/** Which MIMIC-CXR-JPG version a MIMIC-CXR version is read with; empty removes the pairing. */
export function VersionPairForm({ cxr, jpgVersions, pairedJpgId }: { cxr: Version; jpgVersions: Version[]; pairedJpgId: string | null }) {
  const { submit, error, fieldErrors, busy } = useSubmit("/api/settings/version-pairs");
  const [saved, setSaved] = useState(false);
  return (
    <form
      noValidate
      aria-label={`Pairing of mimic-cxr ${cxr.version}`}
      onSubmit={async (e) => {
        e.preventDefault();
        setSaved(false);
        const jpg = String(new FormData(e.currentTarget).get("jpgDatasetId") ?? "");
        if (await submit({ cxrDatasetId: cxr.id, jpgDatasetId: jpg === "" ? null : jpg })) setSaved(true);
      }}
    >
      <label className="inline">
        mimic-cxr {cxr.version} pairs with
        <select name="jpgDatasetId" defaultValue={pairedJpgId ?? ""} aria-label={`MIMIC-CXR-JPG version paired with mimic-cxr ${cxr.version}`}>
          <option value="">(not paired)</option>
          {jpgVersions.map((j) => (
            <option key={j.id} value={j.id}>mimic-cxr-jpg {j.version}</option>
          ))}
        </select>
      </label>{" "}
      <button type="submit" className="secondary" disabled={busy}>Save pairing</button>
      <FieldError errors={fieldErrors} name="jpgDatasetId" />
      {error && <span className="error small" role="alert"> {error}</span>}
      {saved && <span className="ok small" role="status"> Saved.</span>}
    </form>
  );
}
