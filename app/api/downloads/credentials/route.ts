import { z } from "zod";
import { recordAudit } from "@/lib/audit/record";
import { getDb } from "@/lib/db/client";
import { forgetCredentials } from "@/lib/downloads/credentials/store";
import { route } from "@/lib/http/route";

const forgetSchema = z.object({ forget: z.literal(true, { error: "Confirm that the saved password should be forgotten" }) });

// "Forget my PhysioNet password": deleted now, or as soon as the member's running downloads end.
export const POST = route({ access: "member", body: forgetSchema }, async ({ user, ip }) => {
  const db = getDb();
  const { deletedNow } = await forgetCredentials(db, user.id);
  await recordAudit(db, { action: "download.credentials.forget", labId: user.labId, actor: user, ip, target: { type: "user", id: user.id }, details: { deletedNow } });
  return { deletedNow };
});
