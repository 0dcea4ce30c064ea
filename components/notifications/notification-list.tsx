"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { postJson } from "@/components/post-json";

export type NotificationRow = { id: string; kind: string; title: string; body: string; link: string | null; createdAt: string; read: boolean };

// Bodies are plain text written by labgate; the PhysioNet and CITI addresses in them become links.
function Linkified({ text }: { text: string }) {
  const parts = text.split(/(https:\/\/[^\s)]*[^\s).,;])/g);
  return <>{parts.map((p, i) => (i % 2 === 1 ? <a key={i} href={p} target="_blank" rel="noreferrer noopener">{p}</a> : p))}</>;
}

export function NotificationList({ items, unread }: { items: NotificationRow[]; unread: number }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const mark = async (body: { ids: string[] } | { all: true }) => {
    setBusy(true);
    const res = await postJson("/api/notifications/read", body);
    setBusy(false);
    setError(res.ok ? null : res.error);
    router.refresh();
  };
  if (items.length === 0) return <p className="muted" data-testid="no-notifications">No notifications yet.</p>;
  return (
    <>
      <div className="row" style={{ justifyContent: "space-between", alignItems: "center", marginBottom: ".75rem" }}>
        <span data-testid="unread-summary">{unread === 0 ? "All read" : `${unread} unread`}</span>
        {unread > 0 && (
          <button type="button" className="secondary" disabled={busy} onClick={() => mark({ all: true })}>
            Mark all read
          </button>
        )}
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      <ul data-testid="notifications" style={{ listStyle: "none", padding: 0, margin: 0 }}>
        {items.map((n) => (
          <li key={n.id} data-id={n.id} data-read={n.read} data-kind={n.kind} style={{ borderTop: "1px solid var(--line)", padding: ".75rem 0" }}>
            <div className="row" style={{ justifyContent: "space-between", alignItems: "baseline" }}>
              <strong style={{ fontWeight: n.read ? 500 : 700 }}>
                {!n.read && <span className="badge" aria-label="unread">new</span>} {n.title}
              </strong>
              <span className="muted small">{n.createdAt}</span>
            </div>
            <p style={{ whiteSpace: "pre-wrap", margin: ".35rem 0" }}>
              <Linkified text={n.body} />
            </p>
            <div className="inline">
              {n.link && (
                <Link prefetch={false} href={n.link} onClick={() => { if (!n.read) void postJson("/api/notifications/read", { ids: [n.id] }); }}>
                  Open
                </Link>
              )}
              {!n.read && (
                <button type="button" className="secondary" disabled={busy} onClick={() => mark({ ids: [n.id] })}>
                  Mark read
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
    </>
  );
}
