import { z } from "zod";
import { route } from "@/lib/http/route";
import { acceptInvite } from "@/lib/users/invites";
import { nameSchema, passwordSchema } from "@/lib/validation";

const body = z.object({ token: z.string().min(10, "This invite link is not valid").max(100, "This invite link is not valid"), name: nameSchema, password: passwordSchema });

// Public by declaration: the invite token is the credential.
export const POST = route({ access: "public", body }, async ({ body, ip }) => {
  const { email } = await acceptInvite({ ...body, ip });
  return { ok: true, email };
});
