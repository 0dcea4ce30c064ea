import Link from "next/link";
import { describeInvite } from "@/lib/users/invites";
import { AcceptInviteForm } from "@/components/auth/accept-invite-form";

// Public by declaration: the unguessable token in the URL is the credential.
export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const invite = token.length <= 100 ? await describeInvite(token) : null;
  if (!invite) {
    return (
      <div className="card center-card">
        <h1>Invite not found</h1>
        <p className="error">This invite link is not valid. Check that you copied the whole link, or ask your steward for a new one.</p>
      </div>
    );
  }
  if (invite.state !== "pending") {
    const why = { accepted: "has already been used", revoked: "was withdrawn", expired: "has expired" }[invite.state];
    return (
      <div className="card center-card">
        <h1>Invite {invite.state}</h1>
        <p className="error">This invite {why}. {invite.state === "accepted" ? <Link href="/login">Sign in instead.</Link> : "Ask your steward for a new one."}</p>
      </div>
    );
  }
  return (
    <div className="card center-card">
      <h1>Join labgate</h1>
      <p>You were invited as <strong>{invite.role}</strong> with the email <strong>{invite.email}</strong>.</p>
      <AcceptInviteForm token={token} email={invite.email} />
    </div>
  );
}
