"use client";
import { signIn } from "next-auth/react";
import { useState } from "react";
import { postJson } from "@/components/post-json";

export function AcceptInviteForm({ token, email }: { token: string; email: string }) {
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const password = String(form.get("password") ?? "");
    if (password !== form.get("confirm")) {
      setErrors({ confirm: ["The two passwords do not match"] });
      return;
    }
    setBusy(true);
    setErrors({});
    setError(null);
    const res = await postJson("/api/invites/accept", { token, name: form.get("name"), password });
    if (!res.ok) {
      setBusy(false);
      // Field errors are shown beside their fields; the summary line only for the rest.
      setErrors(res.fieldErrors ?? {});
      setError(res.fieldErrors ? null : res.error);
      return;
    }
    const signedIn = await signIn("credentials", { email, password, redirect: false });
    window.location.assign(signedIn?.ok ? "/" : "/login");
  }

  const fieldError = (k: string) => errors[k]?.map((m) => <p key={m} className="error">{m}</p>);
  return (
    <form onSubmit={submit} noValidate>
      <label htmlFor="name">Your name</label>
      <input id="name" name="name" autoComplete="name" required />
      {fieldError("name")}
      <label htmlFor="password">Choose a password (at least 12 characters)</label>
      <input id="password" name="password" type="password" autoComplete="new-password" required />
      {fieldError("password")}
      <label htmlFor="confirm">Repeat the password</label>
      <input id="confirm" name="confirm" type="password" autoComplete="new-password" required />
      {fieldError("confirm")}
      {error && <p className="error" role="alert">{error}</p>}
      <p><button type="submit" disabled={busy}>Create my account</button></p>
    </form>
  );
}
