import { z } from "zod";
import { changeAccessGrant, GRANT_ACTIONS } from "@/lib/credentialing/grants";
import { route } from "@/lib/http/route";
import { uuidSchema } from "@/lib/validation";

const body = z.object({
  userId: uuidSchema,
  datasetId: uuidSchema,
  action: z.enum(GRANT_ACTIONS, { error: "Action must be approve, suspend, revoke or reinstate" }),
  reason: z.string().trim().max(1000, "The reason is too long (1,000 characters at most)").optional(),
});

// Approve, suspend, revoke or reinstate one member's access to one dataset version.
export const POST = route({ access: "steward", body }, async ({ user, body, ip }) => {
  return changeAccessGrant({ actor: user, userId: body.userId, datasetId: body.datasetId, action: body.action, reason: body.reason, ip });
});
