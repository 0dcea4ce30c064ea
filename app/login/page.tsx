import { redirect } from "next/navigation";
import { getCurrentUser } from "@/lib/auth/current-user";
import { getEnv, oidcConfigured } from "@/lib/env";
import { LoginForm } from "@/components/auth/login-form";
import { getDb } from "@/lib/db/client";
import { needsSetup } from "@/lib/setup/first-run";

// Public by declaration (route registry); a signed-in user is sent home instead.
export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (await getCurrentUser()) redirect("/");
  const sp = await searchParams;
  const error = typeof sp.error === "string" ? sp.error : undefined;
  const env = getEnv();
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
      <LoginForm oidc={oidcConfigured(env) ? { name: env.OIDC_NAME } : null} initialError={error} />
    </div>
  );
}
