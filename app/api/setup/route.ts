import { z } from "zod";
import { getDb } from "@/lib/db/client";
import { route } from "@/lib/http/route";
import { setupLab } from "@/lib/setup/first-run";
import { setupSchema } from "@/lib/setup/setup-schema";

const body = setupSchema.extend({ token: z.string().min(10, "This setup link is not valid").max(100, "This setup link is not valid") });

// Public by declaration: the one-time token `npm start` printed is the credential, and setupLab
// refuses once any user exists.
export const POST = route({ access: "public", body }, async ({ body, ip }) => {
  const { token, ...input } = body;
  const made = await setupLab(getDb(), { input, via: "page", token, ip });
  return { ok: true, email: made.adminEmail };
});
