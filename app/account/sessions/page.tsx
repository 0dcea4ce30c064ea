import Link from "next/link";
import { requireUser, getCurrentSession } from "@/lib/auth/current-user";
import { listOpenSessions } from "@/lib/auth/sessions";
import { SessionsTable } from "@/components/auth/sessions-table";

export default async function SessionsPage() {
  const user = await requireUser();
  const current = await getCurrentSession();
  const sessions = await listOpenSessions({ userId: user.id });
  return (
    <>
      <h1>Your sessions</h1>
      <p className="muted">Every browser signed in to your account. End any you do not recognise; it is signed out at once. <Link href="/account/password">Change your password</Link></p>
      <div className="card">
        <SessionsTable
          currentId={current?.sessionId ?? null}
          sessions={sessions.map((s) => ({ id: s.id, createdAt: s.createdAt.toISOString(), lastSeenAt: s.lastSeenAt.toISOString(), ip: s.ip, userAgent: s.userAgent }))}
        />
      </div>
    </>
  );
}
