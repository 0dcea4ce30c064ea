"use client";
import { useState } from "react";
import { postJson } from "@/components/post-json";

export function ForgotPasswordForm() {
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setBusy(true);
    const res = await postJson<{ message: string }>("/api/account/forgot-password", { email: new FormData(e.currentTarget).get("email") });
    setBusy(false);
    setMessage(res.ok ? { ok: true, text: res.data.message } : { ok: false, text: res.fieldErrors?.email?.[0] ?? res.error });
  }
  return (
    <form onSubmit={onSubmit} noValidate>
      <label htmlFor="email">Your email</label>
      <input id="email" name="email" type="email" autoComplete="email" required />
      {message && <p className={message.ok ? "ok" : "error"} role={message.ok ? "status" : "alert"}>{message.text}</p>}
      <p><button type="submit" disabled={busy}>Send me a reset link</button></p>
    </form>
  );
}
