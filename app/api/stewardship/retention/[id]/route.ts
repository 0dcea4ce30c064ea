import { route } from "@/lib/http/route";
import { AppError } from "@/lib/http/errors";
import { decideDestruction, decideSchema } from "@/lib/retention/requests";
import { uuidSchema } from "@/lib/validation";

// Confirm (a different steward or admin than the requester; the job then runs) or cancel a request.
export const POST = route<"steward", typeof decideSchema, { id: string }>({ access: "steward", body: decideSchema }, async ({ user, body, params, ip }) => {
  const id = uuidSchema.safeParse(params.id);
  if (!id.success) throw new AppError("not_found", "No such destruction request in your lab");
  return decideDestruction({ actor: user, destructionId: id.data, input: body, ip });
});
