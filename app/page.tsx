import Link from "next/link";
import { requireUser } from "@/lib/auth/current-user";
import { roleAtLeast } from "@/lib/auth/roles";
import { getLab } from "@/lib/labs/get-lab";

export default async function HomePage() {
  const user = await requireUser();
  const lab = await getLab({ labId: user.labId });
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
      {roleAtLeast(user.role, "steward") && (
        <div className="card">
          <h2>Steward tools</h2>
          <ul>
            <li><Link href="/members">Members and invites</Link></li>
            <li><Link href="/audit">Audit log</Link></li>
          </ul>
        </div>
      )}
    </>
  );
}
