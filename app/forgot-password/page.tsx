import Link from "next/link";
import { getEnv } from "@/lib/env";
import { ForgotPasswordForm } from "@/components/account/forgot-password-form";

// Public by declaration: the answer is the same for every email (lib/account/password-reset.ts).
export default function ForgotPasswordPage() {
  return (
    <div className="card center-card">
      <h1>Forgot your password?</h1>
      {getEnv().SMTP_URL ? (
        <>
          <p>Enter the email of your labgate account. We mail a link to choose a new password; it works once, for one hour.</p>
          <ForgotPasswordForm />
        </>
      ) : (
        <p>This labgate does not send mail. Ask your lab&apos;s admin for a one-time reset link.</p>
      )}
      <p><Link href="/login">Back to sign-in</Link></p>
    </div>
  );
}
