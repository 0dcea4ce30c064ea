import Link from "next/link";
import { requireUser } from "@/lib/auth/current-user";
import { roleAtLeast } from "@/lib/auth/roles";
import { getLab } from "@/lib/labs/get-lab";
import { now } from "@/lib/clock";
import { memberChecklist } from "@/lib/credentialing/member-access";
import { getDb } from "@/lib/db/client";

export default async function HomePage() {
  const user = await requireUser();
  const [lab, checklist] = await Promise.all([getLab({ labId: user.labId }), memberChecklist(getDb(), { labId: user.labId, userId: user.id, now: now() })]);
  return (
    <>
      <h1>Welcome, {user.name}</h1>
      <div className="card">
        <h2>{lab.name}</h2>
        <p>
          You are signed in as <strong>{user.email}</strong> with the role <span className="badge">{user.role}</span>.
        </p>
        <p className="muted">
          Access to credentialed datasets such as MIMIC-CXR requires a PhysioNet account, CITI training, PhysioNet
          credentialing and a signed Data Use Agreement for each dataset version. Every access is recorded in the audit log.
        </p>
      </div>
      <div className="card" data-testid="access-summary">
        <h2>Your access</h2>
        {checklist.length === 0 && <p className="muted">Your lab holds no datasets yet.</p>}
        <ul>
          {checklist.map(({ dataset, decision }) => (
            <li key={dataset.id}>
              <strong>{dataset.slug} {dataset.version}</strong>{" "}
              {decision.access ? <span className="badge ok">access</span> : <span className="badge denied">no access</span>} <span className="small">{decision.reason}</span>
            </li>
          ))}
        </ul>
        <p><Link href="/credentialing">Open your credentialing checklist</Link></p>
      </div>
      {roleAtLeast(user.role, "steward") && (
        <div className="card">
          <h2>Steward tools</h2>
          <ul>
            <li><Link href="/members">Members and invites</Link></li>
            <li><Link href="/audit">Audit log</Link></li>
            <li><Link href="/stewardship/queue">Review queue</Link> (training reports and DUA signatures)</li>
            <li><Link href="/stewardship/access">Access matrix</Link> · <Link href="/stewardship/expiring">Expiring soon</Link></li>
            <li><Link href="/stewardship/reviews">Access reviews</Link></li>
          </ul>
        </div>
      )}
    </>
  );
}
