import { after } from "next/server";
import { z } from "zod";
import { admitResetRequest, RESET_REQUESTED, sendResetLink } from "@/lib/account/password-reset";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";
import { emailSchema } from "@/lib/validation";
import { errorFields, log } from "@/lib/log/logger";

const body = z.object({ email: emailSchema });

// Public: the same answer for every email. Whether an account exists only matters after the
// answer has gone (next/server after()), so neither the words nor the timing tell.
export const POST = route({ access: "public", body }, async ({ body, ip }) => {
  if (!getEnv().SMTP_URL) throw new AppError("not_found", "Password reset by email is not set up here; ask your lab's admin for a reset link.");
  await admitResetRequest({ email: body.email, ip });
  after(() =>
    sendResetLink({ email: body.email, ip }).catch((e: unknown) => {
      log().error(errorFields(e), "password reset mail failed");
    }),
  );
  return { ok: true, message: RESET_REQUESTED };
});
