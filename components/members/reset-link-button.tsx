"use client";
import { useState } from "react";
import { postJson } from "@/components/post-json";
import { DateTime } from "@/components/ui/date-time";

/** Admin only: a one-time password reset link for a person of the lab, shown once (only its hash is kept). */
export function ResetLinkButton({ userId, email }: { userId: string; email: string }) {
  const [link, setLink] = useState<{ url: string; expiresAt: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  async function issue() {
    if (!confirm(`Issue a one-time password reset link for ${email}? Earlier links stop working.`)) return;
    setError(null);
    const res = await postJson<{ url: string; expiresAt: string }>("/api/account/reset-links", { userId });
    if (res.ok) setLink(res.data);
    else setError(res.error);
  }
  return (
    <>
      <button className="secondary" onClick={() => void issue()}>Reset link</button>
      {error && <span className="error" role="alert"> {error}</span>}
      {link && (
        <span role="status">
          {" "}Give this link to {email} yourself; it is shown only now, works once and expires <DateTime value={link.expiresAt} withTime />:{" "}
          <input readOnly aria-label={`Reset link for ${email}`} value={link.url} onFocus={(e) => e.currentTarget.select()} />
        </span>
      )}
    </>
  );
}
