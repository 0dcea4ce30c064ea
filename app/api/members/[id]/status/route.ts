import { z } from "zod";
import { AppError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";
import { setMemberStatus } from "@/lib/users/members";
import { uuidSchema } from "@/lib/validation";

const body = z.object({ status: z.enum(["active", "deactivated"], { error: "Status must be active or deactivated" }) });

export const POST = route<"steward", typeof body, { id: string }>({ access: "steward", body }, async ({ user, body, params, ip }) => {
  const id = uuidSchema.safeParse(params.id);
  if (!id.success) throw new AppError("not_found", "No such member in your lab");
  return setMemberStatus({ actor: user, userId: id.data, status: body.status, ip });
});
