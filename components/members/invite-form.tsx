"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { postJson } from "@/components/post-json";
import { DateTime } from "@/components/ui/date-time";

/** Only an admin invites stewards and admins (lib/auth/roles.ts); a steward invites members. */
export function InviteForm({ canInviteStaff }: { canInviteStaff: boolean }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [link, setLink] = useState<{ url: string; email: string; expiresAt: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    setLink(null);
    const res = await postJson<{ token: string; email: string; expiresAt: string }>("/api/invites", { email: form.get("email"), role: form.get("role") });
    setBusy(false);
    if (!res.ok) return setError(res.error);
    setLink({ url: `${window.location.origin}/invite/${res.data.token}`, email: res.data.email, expiresAt: res.data.expiresAt });
    router.refresh();
  }

  return (
    <form onSubmit={submit} noValidate>
      <div className="row">
        <div>
          <label htmlFor="invite-email">Email</label>
          <input id="invite-email" name="email" type="email" required />
        </div>
        <div>
          <label htmlFor="invite-role">Role</label>
          <select id="invite-role" name="role" defaultValue="member">
            <option value="member">member</option>
            {canInviteStaff && <option value="steward">steward</option>}
            {canInviteStaff && <option value="admin">admin</option>}
          </select>
        </div>
        <button type="submit" disabled={busy}>Create invite</button>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {link && (
        <div data-testid="invite-link">
          <p className="ok">Invite created for {link.email}. Mail is not configured, so send this link yourself; it works once and expires <DateTime value={link.expiresAt} withTime />.</p>
          <code className="link">{link.url}</code>
        </div>
      )}
    </form>
  );
}
