import { notFound } from "next/navigation";
import { getDb } from "@/lib/db/client";
import { getEnv, oidcConfigured } from "@/lib/env";
import { needsSetup } from "@/lib/setup/first-run";
import { SetupForm } from "@/components/setup/setup-form";

// Public by declaration, and only while the installation has no user: afterwards it does not exist.
export default async function SetupPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (!(await needsSetup(getDb()))) notFound();
  const sp = await searchParams;
  const token = typeof sp.token === "string" && sp.token.length <= 100 ? sp.token : "";
  const env = getEnv();
  return (
    <div className="card center-card">
      <h1>Set up labgate</h1>
      <p>Create your lab and its first admin. The admin then invites the lab&apos;s stewards and members.</p>
      <SetupForm token={token} oidc={oidcConfigured(env) ? { name: env.OIDC_NAME } : null} />
    </div>
  );
}
