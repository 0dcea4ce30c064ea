"use client";
import { useState } from "react";
import { FieldError, useSubmit } from "@/components/forms/use-submit";

type Result = { outcome: string; httpStatus: number | null; message: string };
export type MirrorIdentityView = { provider: "aws" | "gcs"; identity: string; verifiedOutcome: string | null; verifiedStatus: number | null; verifiedAt: string | null; keysKept: boolean } | null;

/** The member's cloud identity for one dataset version and "Verify with the mirror" (decision 032). */
export function MirrorVerifyForm({ datasetId, target, current }: { datasetId: string; target: string; current: MirrorIdentityView }) {
  const { submit, error, fieldErrors, busy } = useSubmit<Result>("/api/credentialing/mirror-verify");
  const [result, setResult] = useState<Result | null>(null);
  const [provider, setProvider] = useState<"aws" | "gcs">(current?.provider ?? "aws");
  const id = (f: string) => `mirror-${f}-${datasetId}`;
  return (
    <form
      noValidate
      aria-label={`Verify ${target} with the cloud mirror`}
      onSubmit={async (e) => {
        e.preventDefault();
        const form = e.currentTarget;
        const data = new FormData(form);
        setResult(null);
        const r = await submit({
          datasetId,
          provider,
          identity: data.get("identity"),
          accessKeyId: data.get("accessKeyId"),
          secretAccessKey: data.get("secretAccessKey"),
          keepKeys: data.get("keepKeys") === "on",
        });
        // The keys leave the page as soon as they have been used.
        (form.elements.namedItem("secretAccessKey") as HTMLInputElement).value = "";
        (form.elements.namedItem("accessKeyId") as HTMLInputElement).value = "";
        if (r) setResult(r);
      }}
    >
      <h4>Cloud mirror (optional)</h4>
      <p className="muted small">
        PhysioNet also serves this version from its cloud mirrors to the AWS account or Google account linked on your PhysioNet profile. Record that identity and check it with its own keys.
        {current?.verifiedAt && (
          <span data-testid="mirror-evidence"> Last check: HTTP {current.verifiedStatus ?? "—"} ({current.verifiedOutcome}) for {current.identity} at {current.verifiedAt}{current.keysKept ? "; keys kept (sealed)" : ""}.</span>
        )}
      </p>
      <div className="row">
        <div>
          <label htmlFor={id("provider")}>Cloud</label>
          <select id={id("provider")} name="provider" value={provider} onChange={(e) => setProvider(e.target.value as "aws" | "gcs")}>
            <option value="aws">AWS</option>
            <option value="gcs">Google Cloud</option>
          </select>
        </div>
        <div>
          <label htmlFor={id("identity")}>{provider === "aws" ? "AWS account id or IAM user ARN" : "Google account"}</label>
          <input id={id("identity")} name="identity" defaultValue={current?.identity ?? ""} autoComplete="off" />
          <FieldError errors={fieldErrors} name="identity" />
        </div>
      </div>
      <div className="row">
        <div>
          <label htmlFor={id("accessKeyId")}>{provider === "aws" ? "Access key id" : "HMAC access id"}</label>
          <input id={id("accessKeyId")} name="accessKeyId" autoComplete="off" />
          <FieldError errors={fieldErrors} name="accessKeyId" />
        </div>
        <div>
          <label htmlFor={id("secretAccessKey")}>Secret</label>
          <input id={id("secretAccessKey")} name="secretAccessKey" type="password" autoComplete="off" />
          <FieldError errors={fieldErrors} name="secretAccessKey" />
        </div>
      </div>
      <div className="row">
        <label className="small"><input type="checkbox" name="keepKeys" /> Keep these keys (sealed) for my downloads from the mirror</label>
        <button type="submit" className="secondary" disabled={busy}>{busy ? "Asking the mirror…" : "Verify with the mirror"}</button>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {result && <p className={result.outcome === "confirmed" ? "ok" : "error"} role="status">{result.message}</p>}
    </form>
  );
}
