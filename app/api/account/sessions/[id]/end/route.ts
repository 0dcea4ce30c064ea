import { endOwnSession } from "@/lib/auth/sessions";
import { route } from "@/lib/http/route";

export const POST = route<"member", undefined, { id: string }>({ access: "member" }, async ({ user, params, ip }) => endOwnSession({ actor: user, sessionId: params.id, ip }));
