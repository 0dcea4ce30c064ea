import { revokeApiToken } from "@/lib/api-tokens/revoke-token";
import { route } from "@/lib/http/route";

// The owner revokes their own token; a steward or admin any token of the lab (checked in revokeApiToken).
export const POST = route<"member", undefined, { id: string }>({ access: "member" }, async ({ user, params, ip }) => revokeApiToken({ actor: user, tokenId: params.id, ip }));
