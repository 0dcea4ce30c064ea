import { z } from "zod";
import { issueResetLink } from "@/lib/account/password-reset";
import { route } from "@/lib/http/route";

const body = z.object({ userId: z.string({ error: "Choose a member" }).uuid("Choose a member") });

// The link is in this answer only; labgate keeps just its hash.
export const POST = route({ access: "admin", body }, async ({ user, body, ip }) => {
  const link = await issueResetLink({ actor: user, userId: body.userId, ip });
  return { email: link.email, url: link.url, expiresAt: link.expiresAt.toISOString() };
});
