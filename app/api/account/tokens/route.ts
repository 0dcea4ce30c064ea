import { createApiToken, createTokenSchema } from "@/lib/api-tokens/create-token";
import { route } from "@/lib/http/route";

// Session only: a token can never mint another token. The secret is in this one answer and nowhere else.
export const POST = route({ access: "member", body: createTokenSchema }, async ({ user, body, ip }) => {
  const t = await createApiToken({ actor: user, input: body, ip });
  return Response.json({ id: t.id, token: t.token, name: t.name, prefix: t.prefix, expiresAt: t.expiresAt.toISOString() }, { headers: { "cache-control": "no-store, private" } });
});
