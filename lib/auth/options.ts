import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { getEnv, oidcConfigured } from "@/lib/env";
import { clientIp } from "@/lib/http/client-ip";
import { emailSchema } from "@/lib/validation";
import { signInWithOidc, signInWithPassword, type SignInFailure } from "@/lib/users/sign-in";

const credentialsSchema = z.object({ email: emailSchema, password: z.string().min(1).max(200) });

const FAILURE_MESSAGE: Record<SignInFailure, string> = {
  wrong_credentials: "Wrong email or password.",
  deactivated: "This account has been deactivated. Ask your lab's data steward.",
  no_account: "No labgate account uses this email. Ask your lab's data steward for an invite.",
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

export function buildAuthOptions(): NextAuthOptions {
  const env = getEnv();
  return {
    secret: env.NEXTAUTH_SECRET,
    session: { strategy: "jwt", maxAge: 12 * 3600 },
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
          return { id: result.id, email: result.email, name: result.name, sv: result.sessionVersion };
        },
      }),
      ...(oidcConfigured(env) ? [oidcProvider()] : []),
    ],
    callbacks: {
      async signIn({ user, account, profile }) {
        if (account?.provider !== "oidc") return true;
        const p = profile as { email?: string; email_verified?: boolean; sub?: string } | undefined;
        // An unverified email from the provider must not be able to take over a lab account.
        if (!p?.email || p.email_verified === false) return "/login?error=OidcEmailUnverified";
        const result = await signInWithOidc({ email: p.email, subject: p.sub ?? "", issuer: env.OIDC_ISSUER!, ip: null });
        if (typeof result === "string") return `/login?error=${result === "deactivated" ? "Deactivated" : "NoAccount"}`;
        Object.assign(user, { id: result.id, email: result.email, name: result.name, sv: result.sessionVersion });
        return true;
      },
      async jwt({ token, user }) {
        if (user) {
          token.uid = user.id;
          token.sv = (user as { sv?: number }).sv ?? 0;
        }
        return token;
      },
      async session({ session, token }) {
        return { ...session, uid: token.uid, sv: token.sv };
      },
    },
    cookies: {
      sessionToken: {
        name: env.NEXTAUTH_URL.startsWith("https:") ? "__Secure-labgate.session" : "labgate.session",
        options: { httpOnly: true, sameSite: "lax", path: "/", secure: env.NEXTAUTH_URL.startsWith("https:") },
      },
    },
  };
}

let cached: NextAuthOptions | undefined;
export function authOptions(): NextAuthOptions {
  cached ??= buildAuthOptions();
  return cached;
}
