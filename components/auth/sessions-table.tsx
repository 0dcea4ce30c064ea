"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { postJson } from "@/components/post-json";
import { DateTime } from "@/components/ui/date-time";

type Session = { id: string; createdAt: string; lastSeenAt: string; ip: string | null; userAgent: string | null };

// A short name for the browser; the full user agent stays in the title for the curious.
function browserName(ua: string | null): string {
  if (!ua) return "unknown browser";
  const name = /Edg\//.test(ua) ? "Edge" : /Firefox\//.test(ua) ? "Firefox" : /Chrom(e|ium)\//.test(ua) ? "Chrome" : /Safari\//.test(ua) ? "Safari" : ua.split(" ")[0]!;
  const os = /Windows/.test(ua) ? "Windows" : /Mac OS X/.test(ua) ? "macOS" : /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS" : /Linux/.test(ua) ? "Linux" : null;
  return os ? `${name} on ${os}` : name;
}


export function SessionsTable({ sessions, currentId }: { sessions: Session[]; currentId: string | null }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);

  async function end(id: string) {
    setError(null);
    const res = await postJson(`/api/account/sessions/${id}/end`, {});
    if (!res.ok) setError(res.error);
    if (id === currentId) router.push("/login");
    else router.refresh();
  }

  return (
    <>
      {error && <p className="error" role="alert">{error}</p>}
      <table data-testid="sessions-table">
        <thead>
          <tr><th>Browser</th><th>IP address</th><th>Signed in</th><th>Last seen</th><th></th></tr>
        </thead>
        <tbody>
          {sessions.map((s) => (
            <tr key={s.id} data-session={s.id}>
              <td title={s.userAgent ?? undefined}>{browserName(s.userAgent)}{s.id === currentId && <> <span className="badge">this browser</span></>}</td>
              <td>{s.ip ?? "unknown"}</td>
              <td><DateTime value={s.createdAt} withTime /></td>
              <td><DateTime value={s.lastSeenAt} withTime /></td>
              <td><button className="secondary" onClick={() => void end(s.id)}>{s.id === currentId ? "Sign out here" : "End"}</button></td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
