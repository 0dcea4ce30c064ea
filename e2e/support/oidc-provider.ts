/**
 * A real OpenID Connect provider (npm oidc-provider) on loopback, standing in for a university's
 * identity provider in end-to-end tests. Its built-in development login form accepts any login: the
 * login typed is the person's email, reported as verified (see findAccount for the variants). Run: tsx e2e/support/oidc-provider.ts
 */
import Provider from "oidc-provider";

export type OidcTestConfig = { port: number; clientId: string; clientSecret: string; redirectUri: string };

export function createOidcProvider(cfg: OidcTestConfig) {
  const issuer = `http://127.0.0.1:${cfg.port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: cfg.clientId,
        client_secret: cfg.clientSecret,
        redirect_uris: [cfg.redirectUri],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    scopes: ["openid", "email", "profile"],
    features: { devInteractions: { enabled: true } },
    // Put email/name in the ID token itself, as institutional providers commonly do.
    conformIdTokenClaims: false,
    // The login typed is the subject; its email claim is the login up to any "#". "#unverified"
    // leaves email_verified out of the token, "#false" sets it false; any other "#tag" is simply a
    // second person at the provider claiming the same email (another subject).
    async findAccount(_ctx: unknown, id: string) {
      const [email, tag] = id.split("#") as [string, string | undefined];
      const verified = tag === "unverified" ? {} : { email_verified: tag !== "false" };
      return {
        accountId: id,
        async claims() {
          return { sub: id, email, ...verified, name: email.split("@")[0] };
        },
      };
    },
    // Skip the consent screen for the first-party client, as an institution's IdP would.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async loadExistingGrant(ctx: any) {
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope("openid email profile");
      await grant.save();
      return grant;
    },
  });
  // The built-in login page imports a web font from the internet; this machine has no internet and
  // tests must not reach for it, so the import is cut from every HTML page the provider serves.
  provider.use(async (ctx: { body: unknown }, next: () => Promise<void>) => {
    await next();
    if (typeof ctx.body === "string") ctx.body = ctx.body.replace(/@import url\(https?:[^)]*\);?/g, "");
  });
  return provider;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  const port = Number(process.env.OIDC_PORT ?? 3199);
  const appUrl = process.env.NEXTAUTH_URL ?? "http://localhost:3100";
  const provider = createOidcProvider({
    port,
    clientId: process.env.OIDC_CLIENT_ID ?? "labgate-e2e",
    clientSecret: process.env.OIDC_CLIENT_SECRET ?? "labgate-e2e-secret",
    redirectUri: `${appUrl}/api/auth/callback/oidc`,
  });
  provider.listen(port, "127.0.0.1", () => console.log(`test OIDC provider on http://127.0.0.1:${port}`));
}
