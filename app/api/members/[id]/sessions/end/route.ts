import { endSessionsOfMember } from "@/lib/auth/sessions";
import { route } from "@/lib/http/route";

export const POST = route<"admin", undefined, { id: string }>({ access: "admin" }, async ({ user, params, ip }) => endSessionsOfMember({ actor: user, userId: params.id, ip }));
