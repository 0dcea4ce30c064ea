import { z } from "zod";
import { ROLES } from "@/lib/auth/roles";
import { AppError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";
import { changeRole } from "@/lib/users/members";
import { uuidSchema } from "@/lib/validation";

const body = z.object({ role: z.enum(ROLES, { error: "Role must be member, steward or admin" }) });

export const POST = route<"steward", typeof body, { id: string }>({ access: "steward", body }, async ({ user, body, params, ip }) => {
  const id = uuidSchema.safeParse(params.id);
  if (!id.success) throw new AppError("not_found", "No such member in your lab");
  return changeRole({ actor: user, userId: id.data, role: body.role, ip });
});
