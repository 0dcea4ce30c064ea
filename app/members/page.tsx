import { requireRole } from "@/lib/auth/current-user";
import { listInvites } from "@/lib/users/invites";
import { listMembers } from "@/lib/users/members";
import { InviteForm } from "@/components/members/invite-form";
import { MembersTable } from "@/components/members/members-table";
import { InvitesTable } from "@/components/members/invites-table";

export default async function MembersPage() {
  const user = await requireRole("steward");
  const [members, invites] = await Promise.all([listMembers({ labId: user.labId }), listInvites({ labId: user.labId })]);
  return (
    <>
      <h1>Members</h1>
      <div className="card">
        <h2>Invite someone</h2>
        <InviteForm canInviteStaff={user.role === "admin"} />
      </div>
      <div className="card">
        <h2>Lab members</h2>
        <MembersTable
          currentUserId={user.id}
          actorRole={user.role}
          members={members.map((m) => ({ ...m, lastSignInAt: m.lastSignInAt?.toISOString() ?? null, createdAt: m.createdAt.toISOString() }))}
        />
      </div>
      <div className="card">
        <h2>Invites</h2>
        <InvitesTable invites={invites.map((i) => ({ id: i.id, email: i.email, role: i.role, state: i.state, expiresAt: i.expiresAt.toISOString() }))} />
      </div>
    </>
  );
}
