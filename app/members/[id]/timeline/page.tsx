import Link from "next/link";
import { notFound } from "next/navigation";
import { requireRole } from "@/lib/auth/current-user";
import { recordAudit } from "@/lib/audit/record";
import { memberTimeline } from "@/lib/credentialing/timeline";
import { getDb } from "@/lib/db/client";
import { uuidSchema } from "@/lib/validation";
import { EndSessionsButton } from "@/components/members/end-sessions-button";
import styles from "@/components/stewardship/stewardship.module.css";
import { DateTime } from "@/components/ui/date-time";

export default async function MemberTimelinePage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireRole("steward");
  const id = uuidSchema.safeParse((await params).id);
  const { member, entries } = id.success ? await memberTimeline(getDb(), { labId: user.labId, userId: id.data, viewerId: user.id }) : { member: null, entries: [] };
  if (!member) notFound();
  // Reading a member's history is itself recorded.
  await recordAudit(getDb(), { action: "member.timeline_view", labId: user.labId, actor: user, target: { type: "user", id: member.id }, details: { entries: entries.length } });
  return (
    <>
      <h1>{member.name}</h1>
      <p className="muted">
        {member.email} · {member.role} · {member.status} · <Link href="/stewardship/access">Access matrix</Link>
      </p>
      {user.role === "admin" && <EndSessionsButton userId={member.id} email={member.email} />}
      <div className="card">
        <h2>Credentialing timeline</h2>
        <p className="muted">Every change to this member&apos;s credentialing and access, newest first, from the audit log.</p>
        {entries.length === 0 ? (
          <p className="muted">Nothing recorded yet.</p>
        ) : (
          <ol className={styles.timeline} data-testid="timeline">
            {entries.map((e) => (
              <li key={e.id} data-action={e.action}>
                <DateTime value={e.at} withTime />{" "}
                <code className="small">{e.action}</code>
                {e.outcome !== "ok" && <span className="badge denied"> {e.outcome}</span>}
                <div>{e.summary}</div>
                {e.comment && <div className="muted">“{e.comment}”</div>}
                <div className="muted small">by {e.actorEmail ?? "labgate (automatic)"}</div>
              </li>
            ))}
          </ol>
        )}
      </div>
    </>
  );
}
