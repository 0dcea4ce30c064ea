import { redirect } from "next/navigation";
import { getCurrentUser } from "@/lib/auth/current-user";
import { getEnv, oidcConfigured } from "@/lib/env";
import { LoginForm } from "@/components/auth/login-form";

// Public by declaration (route registry); a signed-in user is sent home instead.
export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (await getCurrentUser()) redirect("/");
  const sp = await searchParams;
  const error = typeof sp.error === "string" ? sp.error : undefined;
  const env = getEnv();
  return (
    <div className="card center-card">
      <h1>Sign in to labgate</h1>
      <LoginForm oidc={oidcConfigured(env) ? { name: env.OIDC_NAME } : null} initialError={error} />
    </div>
  );
}
