"use client";
import { useState } from "react";
import { postJson } from "@/components/post-json";

/** Admin only: signs a member out everywhere (a lost laptop, a departure), without deactivating. */
export function EndSessionsButton({ userId, email }: { userId: string; email: string }) {
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  async function end() {
    if (!confirm(`Sign ${email} out of every browser now?`)) return;
    const res = await postJson<{ ended: number }>(`/api/members/${userId}/sessions/end`, {});
    setMessage(res.ok ? { ok: true, text: `Ended ${res.data.ended} session${res.data.ended === 1 ? "" : "s"} of ${email}.` } : { ok: false, text: res.error });
  }
  return (
    <p>
      <button className="danger" onClick={() => void end()}>End all sessions</button>
      {message && <span className={message.ok ? "ok" : "error"} role={message.ok ? "status" : "alert"}> {message.text}</span>}
    </p>
  );
}
