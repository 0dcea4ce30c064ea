"use client";
import { useState } from "react";
import { FieldError, useSubmit } from "@/components/forms/use-submit";

export function ChangePasswordForm() {
  const { submit, error, fieldErrors, busy, setError } = useSubmit<{ endedSessions: number }>("/api/account/password");
  const [done, setDone] = useState<string | null>(null);
  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setDone(null);
    const formEl = e.currentTarget;
    const form = new FormData(formEl);
    const newPassword = String(form.get("newPassword") ?? "");
    if (newPassword !== form.get("confirm")) {
      setError("The two new passwords do not match");
      return;
    }
    const res = await submit({ currentPassword: form.get("currentPassword"), newPassword });
    if (!res) return;
    formEl.reset();
    setDone(`Your password was changed.${res.endedSessions ? ` ${res.endedSessions} other session${res.endedSessions === 1 ? " was" : "s were"} signed out.` : ""}`);
  }
  return (
    <form onSubmit={onSubmit} noValidate>
      <label htmlFor="currentPassword">Current password</label>
      <input id="currentPassword" name="currentPassword" type="password" autoComplete="current-password" required />
      <FieldError errors={fieldErrors} name="currentPassword" />
      <label htmlFor="newPassword">New password (at least 12 characters)</label>
      <input id="newPassword" name="newPassword" type="password" autoComplete="new-password" required />
      <FieldError errors={fieldErrors} name="newPassword" />
      <label htmlFor="confirm">Repeat the new password</label>
      <input id="confirm" name="confirm" type="password" autoComplete="new-password" required />
      {error && !Object.keys(fieldErrors).length && <p className="error" role="alert">{error}</p>}
      {done && <p className="ok" role="status">{done}</p>}
      <p><button type="submit" disabled={busy}>Change password</button></p>
    </form>
  );
}
