import { describeResetLink, INVALID_RESET_LINK } from "@/lib/account/password-reset";
import { ResetPasswordForm } from "@/components/account/reset-password-form";

// Public by declaration: the unguessable token in the URL is the credential. Showing the page uses nothing up.
export default async function ResetPasswordPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const link = await describeResetLink(token);
  if (!link) {
    return (
      <div className="card center-card">
        <h1>Reset link not valid</h1>
        <p className="error">{INVALID_RESET_LINK}</p>
      </div>
    );
  }
  return (
    <div className="card center-card">
      <h1>Choose a new password</h1>
      <p>For <strong>{link.email}</strong>.</p>
      <ResetPasswordForm token={token} />
    </div>
  );
}
