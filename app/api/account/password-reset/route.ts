import { z } from "zod";
import { completeReset, INVALID_RESET_LINK } from "@/lib/account/password-reset";
import { route } from "@/lib/http/route";
import { passwordSchema } from "@/lib/validation";

const body = z.object({ token: z.string().min(10, INVALID_RESET_LINK).max(100, INVALID_RESET_LINK), password: passwordSchema });

// Public by declaration: the one-time token is the credential.
export const POST = route({ access: "public", body }, async ({ body, ip }) => {
  const { email } = await completeReset({ ...body, ip });
  return { ok: true, email };
});
