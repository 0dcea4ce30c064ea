import { z } from "zod";
import { ROLES } from "@/lib/auth/roles";
import { route } from "@/lib/http/route";
import { createInvite } from "@/lib/users/invites";
import { emailSchema } from "@/lib/validation";

const body = z.object({ email: emailSchema, role: z.enum(ROLES, { error: "Role must be member, steward or admin" }) });

export const POST = route({ access: "steward", body }, async ({ user, body, ip }) => {
  const invite = await createInvite({ actor: user, email: body.email, role: body.role, ip });
  return { id: invite.id, token: invite.token, email: body.email, expiresAt: invite.expiresAt.toISOString() };
});
