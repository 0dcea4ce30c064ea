import { route } from "@/lib/http/route";
import { requestDestruction, requestSchema } from "@/lib/retention/requests";

// A steward asks to destroy the lab's copy of a dataset version; a different steward or admin confirms.
export const POST = route({ access: "steward", body: requestSchema }, async ({ user, body, ip }) => {
  return requestDestruction({ actor: user, input: body, ip });
});
