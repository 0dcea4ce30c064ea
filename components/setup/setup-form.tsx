"use client";
import { signIn } from "next-auth/react";
import { useState } from "react";
import { postJson } from "@/components/post-json";

export function SetupForm({ token, oidc }: { token: string; oidc: { name: string } | null }) {
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [useOidc, setUseOidc] = useState(false);

  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const password = useOidc ? null : String(form.get("adminPassword") ?? "");
    if (!useOidc && password !== form.get("confirm")) {
      setErrors({ confirm: ["The two passwords do not match"] });
      return;
    }
    setBusy(true);
    setErrors({});
    setError(null);
    const email = String(form.get("adminEmail") ?? "");
    const res = await postJson("/api/setup", {
      token: String(form.get("token") ?? ""),
      labName: form.get("labName"),
      institution: form.get("institution"),
      adminEmail: email,
      adminName: form.get("adminName"),
      adminPassword: password,
    });
    if (!res.ok) {
      setBusy(false);
      setErrors(res.fieldErrors ?? {});
      setError(res.fieldErrors ? null : res.error);
      return;
    }
    // An OIDC admin signs in at the provider; a password admin is signed in here at once.
    const signedIn = useOidc ? null : await signIn("credentials", { email, password, redirect: false });
    window.location.assign(signedIn?.ok ? "/members" : "/login");
  }

  const fieldError = (k: string) => errors[k]?.map((m) => <p key={m} className="error">{m}</p>);
  return (
    <form onSubmit={submit} noValidate>
      <label htmlFor="token">Setup token (printed by <code>npm start</code> on the server)</label>
      <input id="token" name="token" defaultValue={token} autoComplete="off" required />
      {fieldError("token")}
      <label htmlFor="labName">Lab name</label>
      <input id="labName" name="labName" required />
      {fieldError("labName")}
      <label htmlFor="institution">Institution</label>
      <input id="institution" name="institution" autoComplete="organization" required />
      {fieldError("institution")}
      <label htmlFor="adminName">First admin&apos;s name</label>
      <input id="adminName" name="adminName" autoComplete="name" required />
      {fieldError("adminName")}
      <label htmlFor="adminEmail">First admin&apos;s email</label>
      <input id="adminEmail" name="adminEmail" type="email" autoComplete="email" required />
      {fieldError("adminEmail")}
      {oidc && (
        <label className="inline">
          <input type="checkbox" checked={useOidc} onChange={(e) => setUseOidc(e.target.checked)} /> The admin signs in with {oidc.name} (no password)
        </label>
      )}
      {!useOidc && (
        <>
          <label htmlFor="adminPassword">Admin password (at least 12 characters)</label>
          <input id="adminPassword" name="adminPassword" type="password" autoComplete="new-password" required />
          {fieldError("adminPassword")}
          <label htmlFor="confirm">Repeat the password</label>
          <input id="confirm" name="confirm" type="password" autoComplete="new-password" required />
          {fieldError("confirm")}
        </>
      )}
      {error && <p className="error" role="alert">{error}</p>}
      <p><button type="submit" disabled={busy}>Create the lab</button></p>
    </form>
  );
}
