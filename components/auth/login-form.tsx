"use client";
import { signIn } from "next-auth/react";
import { useState } from "react";
import { RULES } from "@/lib/limits/rules";

// next-auth reports provider-level failures as codes in ?error=; these are the ones a person can act on.
const KNOWN: Record<string, string> = {
  NoAccount: "No labgate account uses that email. Ask your lab's data steward for an invite.",
  Deactivated: "This account has been deactivated. Ask your lab's data steward.",
  OidcEmailUnverified: "Your institution did not confirm that email address.",
  OidcIdentityMismatch: "This labgate account is linked to a different identity at your institution. Ask your lab's data steward.",
  OAuthSignin: "Could not reach the institution's sign-in service. Try again later.",
  OAuthCallback: "The institution's sign-in did not complete. Try again.",
  AccessDenied: "Sign-in was refused.",
  SessionRequired: "Please sign in.",
};

// A sign-in refused by a limit (lib/limits/) carries its own message. Only that exact shape is
// shown from the address bar: any other text there could be a phisher's, not ours.
const WAIT = /^Try again in \d{1,4} (seconds?|minutes?)\.$/;
const SIGN_IN_LIMITS = [RULES.signInAccount.what, RULES.signInIp.what].map((what) => `Too many ${what}. `);

function errorText(code: string): string {
  const limit = SIGN_IN_LIMITS.find((start) => code.startsWith(start));
  if (limit && WAIT.test(code.slice(limit.length))) return code;
  return KNOWN[code] ?? "Sign-in failed. Try again.";
}

// callbackUrl comes from the login page, already resolved to an absolute URL on this app's origin.
export function LoginForm({ oidc, initialError, callbackUrl }: { oidc: { name: string } | null; initialError?: string; callbackUrl: string }) {
  const [error, setError] = useState<string | null>(initialError ? errorText(initialError) : null);
  const [busy, setBusy] = useState(false);

  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    const res = await signIn("credentials", { email: String(form.get("email") ?? ""), password: String(form.get("password") ?? ""), redirect: false });
    setBusy(false);
    if (!res || res.error) {
      setError(res?.error && res.error !== "CredentialsSignin" ? res.error : "Wrong email or password.");
      return;
    }
    window.location.assign(callbackUrl);
  }

  return (
    <>
      <form onSubmit={submit} noValidate>
        <label htmlFor="email">Email</label>
        <input id="email" name="email" type="email" autoComplete="username" required />
        <label htmlFor="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required />
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <p>
          <button type="submit" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </p>
      </form>
      {oidc && (
        <p>
          <button type="button" className="secondary" onClick={() => void signIn("oidc", { callbackUrl })}>
            Sign in with {oidc.name}
          </button>
        </p>
      )}
    </>
  );
}
