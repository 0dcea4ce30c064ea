"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { postJson } from "@/components/post-json";
import { DateTime } from "@/components/ui/date-time";

type Invite = { id: string; email: string; role: string; state: string; expiresAt: string };

export function InvitesTable({ invites }: { invites: Invite[] }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  if (invites.length === 0) return <p className="muted">No invites yet.</p>;
  return (
    <>
      {error && <p className="error" role="alert">{error}</p>}
      <table data-testid="invites-table">
        <thead>
          <tr><th>Email</th><th>Role</th><th>State</th><th>Expires</th><th></th></tr>
        </thead>
        <tbody>
          {invites.map((i) => (
            <tr key={i.id} data-email={i.email}>
              <td>{i.email}</td>
              <td>{i.role}</td>
              <td><span className={`badge ${i.state}`}>{i.state}</span></td>
              <td><DateTime value={i.expiresAt} withTime /></td>
              <td>
                {i.state === "pending" && (
                  <button
                    className="secondary"
                    onClick={async () => {
                      const res = await postJson(`/api/invites/${i.id}/revoke`, {});
                      setError(res.ok ? null : res.error);
                      router.refresh();
                    }}
                  >
                    Withdraw
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
