"use client";
import Link from "next/link";
import { useState } from "react";
import { postJson } from "@/components/post-json";

export function ResetPasswordForm({ token }: { token: string }) {
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const password = String(form.get("password") ?? "");
    if (password !== form.get("confirm")) {
      setError("The two passwords do not match");
      return;
    }
    setBusy(true);
    setError(null);
    const res = await postJson("/api/account/password-reset", { token, password });
    setBusy(false);
    if (res.ok) setDone(true);
    else setError(res.fieldErrors?.password?.[0] ?? res.error);
  }
  if (done) {
    return (
      <p className="ok" role="status">
        Your password was changed and every session of your account was signed out. <Link href="/login">Sign in</Link> with the new password.
      </p>
    );
  }
  return (
    <form onSubmit={onSubmit} noValidate>
      <label htmlFor="password">New password (at least 12 characters)</label>
      <input id="password" name="password" type="password" autoComplete="new-password" required />
      <label htmlFor="confirm">Repeat the new password</label>
      <input id="confirm" name="confirm" type="password" autoComplete="new-password" required />
      {error && <p className="error" role="alert">{error}</p>}
      <p><button type="submit" disabled={busy}>Set new password</button></p>
    </form>
  );
}
