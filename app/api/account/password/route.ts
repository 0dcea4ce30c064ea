import { z } from "zod";
import { changePassword } from "@/lib/account/password-change";
import { getCurrentSession } from "@/lib/auth/current-user";
import { AppError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";
import { passwordSchema } from "@/lib/validation";

const body = z.object({ currentPassword: z.string({ error: "Enter your current password" }).min(1, "Enter your current password").max(200), newPassword: passwordSchema });

export const POST = route({ access: "member", body }, async ({ user, body, ip }) => {
  const session = await getCurrentSession();
  if (!session) throw new AppError("unauthorized", "Sign in again");
  return changePassword({ actor: user, sessionId: session.sessionId, currentPassword: body.currentPassword, newPassword: body.newPassword, ip });
});
