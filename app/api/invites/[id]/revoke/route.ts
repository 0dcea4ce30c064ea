import { route } from "@/lib/http/route";
import { AppError } from "@/lib/http/errors";
import { revokeInvite } from "@/lib/users/invites";
import { uuidSchema } from "@/lib/validation";

export const POST = route<"steward", undefined, { id: string }>({ access: "steward" }, async ({ user, params, ip }) => {
  const id = uuidSchema.safeParse(params.id);
  if (!id.success) throw new AppError("not_found", "No such invite in your lab");
  await revokeInvite({ actor: user, inviteId: id.data, ip });
  return { ok: true };
});
