import { eq } from "drizzle-orm";
import Link from "next/link";
import { users } from "@/db/schema";
import { OIDC_ONLY } from "@/lib/account/password-change";
import { requireUser } from "@/lib/auth/current-user";
import { getDb } from "@/lib/db/client";
import { ChangePasswordForm } from "@/components/account/change-password-form";

export default async function PasswordPage() {
  const user = await requireUser();
  const [row] = await getDb().select({ hasPassword: users.passwordHash }).from(users).where(eq(users.id, user.id)).limit(1);
  return (
    <>
      <h1>Your password</h1>
      <p className="muted">
        Changing your password signs out every other browser on your account; this one stays signed in. <Link href="/account/sessions">Your sessions</Link>
      </p>
      <div className="card">{row?.hasPassword ? <ChangePasswordForm /> : <p>{OIDC_ONLY}</p>}</div>
    </>
  );
}
