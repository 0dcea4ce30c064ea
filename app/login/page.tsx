import Link from "next/link";
import { redirect } from "next/navigation";
import { getCurrentUser } from "@/lib/auth/current-user";
import { safeCallbackUrl } from "@/lib/auth/callback-url";
import { getEnv, oidcConfigured } from "@/lib/env";
import { LoginForm } from "@/components/auth/login-form";
import { getDb } from "@/lib/db/client";
import { needsSetup } from "@/lib/setup/first-run";

// Public by declaration (route registry); a signed-in user is sent on to where they were going.
export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const sp = await searchParams;
  const env = getEnv();
  // Resolved here, against the app's own URL: the form only ever navigates to this same-origin URL.
  const callbackUrl = safeCallbackUrl(sp.callbackUrl, env.NEXTAUTH_URL);
  if (await getCurrentUser()) redirect(callbackUrl);
  const error = typeof sp.error === "string" ? sp.error : undefined;
  if (await needsSetup(getDb())) {
    return (
      <div className="card center-card">
        <h1>labgate is not set up yet</h1>
        <p>No lab and no account exist on this installation. On the server, run <code>npm run setup</code>, or open the one-time setup link that <code>npm start</code> printed.</p>
      </div>
    );
  }
  return (
    <div className="card center-card">
      <h1>Sign in to labgate</h1>
      <LoginForm oidc={oidcConfigured(env) ? { name: env.OIDC_NAME } : null} initialError={error} callbackUrl={callbackUrl} />
      {env.SMTP_URL && (
        <p className="small">
          <Link href="/forgot-password">Forgot your password?</Link>
        </p>
      )}
    </div>
  );
}
