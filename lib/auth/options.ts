import type { CookiesOptions, NextAuthOptions } from "next-auth";
import { headers } from "next/headers";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { getEnv, oidcConfigured } from "@/lib/env";
import { clientIp } from "@/lib/http/client-ip";
import { emailSchema } from "@/lib/validation";
import { signInWithOidc, signInWithPassword, type SignInFailure } from "@/lib/users/sign-in";
import { safeCallbackUrl } from "./callback-url";
import { SESSION_MAX_AGE_S, signOutSession, startSession } from "./sessions";

const credentialsSchema = z.object({ email: emailSchema, password: z.string().min(1).max(200) });

const FAILURE_MESSAGE: Record<SignInFailure, string> = {
  wrong_credentials: "Wrong email or password.",
  deactivated: "This account has been deactivated. Ask your lab's data steward.",
  no_account: "No labgate account uses this email. Ask your lab's data steward for an invite.",
  email_unverified: "Your institution did not confirm that email address.",
  identity_mismatch: "This labgate account is linked to a different institutional identity.",
};

// The login page's ?error= codes for refused OpenID Connect sign-ins.
const OIDC_ERROR: Record<SignInFailure, string> = {
  wrong_credentials: "AccessDenied",
  deactivated: "Deactivated",
  no_account: "NoAccount",
  email_unverified: "OidcEmailUnverified",
  identity_mismatch: "OidcIdentityMismatch",
};

type ReqLike = { headers?: Record<string, string | string[] | undefined> } | undefined;

function oidcProvider() {
  const env = getEnv();
  return {
    id: "oidc",
    name: env.OIDC_NAME,
    type: "oauth" as const,
    wellKnown: `${env.OIDC_ISSUER!.replace(/\/$/, "")}/.well-known/openid-configuration`,
    clientId: env.OIDC_CLIENT_ID!,
    clientSecret: env.OIDC_CLIENT_SECRET!,
    authorization: { params: { scope: "openid email profile" } },
    idToken: true,
    checks: ["pkce", "state"] as ("pkce" | "state")[],
    profile(profile: { sub: string; email?: string; email_verified?: boolean; name?: string }) {
      return { id: profile.sub, email: profile.email ?? "", name: profile.name ?? profile.email ?? "", emailVerified: profile.email_verified };
    },
  };
}

// Who opened a session, for the person's sessions page; read from the request next-auth is serving.
async function requestMeta(): Promise<{ ip: string | null; userAgent: string | null }> {
  const h = await headers();
  return { ip: clientIp(h), userAgent: h.get("user-agent") };
}

/**
 * Over HTTPS every next-auth cookie is `__Host-` (Secure, Path=/, no Domain: no subdomain can set
 * or shadow it); over plain HTTP (local development) the same names without the prefix.
 */
function authCookies(https: boolean): Partial<CookiesOptions> {
  const prefix = https ? "__Host-" : "";
  const options = { httpOnly: true, sameSite: "lax" as const, path: "/", secure: https };
  const shortLived = { ...options, maxAge: 15 * 60 };
  return {
    sessionToken: { name: `${prefix}labgate.session`, options },
    callbackUrl: { name: `${prefix}labgate.callback-url`, options },
    csrfToken: { name: `${prefix}labgate.csrf-token`, options },
    pkceCodeVerifier: { name: `${prefix}labgate.pkce`, options: shortLived },
    state: { name: `${prefix}labgate.state`, options: shortLived },
    nonce: { name: `${prefix}labgate.nonce`, options },
  };
}

export function buildAuthOptions(): NextAuthOptions {
  const env = getEnv();
  return {
    secret: env.NEXTAUTH_SECRET,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_S },
    pages: { signIn: "/login", error: "/login" },
    providers: [
      CredentialsProvider({
        name: "Email and password",
        credentials: { email: { type: "email" }, password: { type: "password" } },
        async authorize(raw, req) {
          const parsed = credentialsSchema.safeParse(raw);
          if (!parsed.success) throw new Error("Enter your email address and password.");
          const result = await signInWithPassword({ ...parsed.data, ip: clientIp((req as ReqLike)?.headers) });
          if (typeof result === "string") throw new Error(FAILURE_MESSAGE[result]);
          return { id: result.id, email: result.email, name: result.name };
        },
      }),
      ...(oidcConfigured(env) ? [oidcProvider()] : []),
    ],
    callbacks: {
      async signIn({ user, account, profile }) {
        if (account?.provider !== "oidc") return true;
        const p = profile as { email?: unknown; email_verified?: unknown; sub?: unknown } | undefined;
        const result = await signInWithOidc({
          email: typeof p?.email === "string" ? p.email : "",
          // Only an explicit true: a provider that leaves the claim out has not verified anything.
          emailVerified: p?.email_verified === true,
          subject: typeof p?.sub === "string" ? p.sub : "",
          issuer: env.OIDC_ISSUER!,
          ip: (await requestMeta()).ip,
        });
        if (typeof result === "string") return `/login?error=${OIDC_ERROR[result]}`;
        Object.assign(user, { id: result.id, email: result.email, name: result.name });
        return true;
      },
      async jwt({ token, user }) {
        // Sign-in (password or OIDC): the token names a new server-side session row.
        if (user) {
          token.uid = user.id;
          token.sid = await startSession({ userId: user.id, ...(await requestMeta()) });
        }
        return token;
      },
      async session({ session, token }) {
        return { ...session, uid: token.uid, sid: token.sid };
      },
      async redirect({ url }) {
        return safeCallbackUrl(url, env.NEXTAUTH_URL);
      },
    },
    events: {
      // Sign-out ends the session on the server, so a copy of the cookie reads nothing afterwards.
      async signOut({ token }) {
        if (typeof token?.sid !== "string" || typeof token.uid !== "string") return;
        await signOutSession({ sessionId: token.sid, userId: token.uid, ip: (await requestMeta()).ip });
      },
    },
    cookies: authCookies(env.NEXTAUTH_URL.startsWith("https:")),
  };
}

let cached: NextAuthOptions | undefined;
export function authOptions(): NextAuthOptions {
  cached ??= buildAuthOptions();
  return cached;
}
