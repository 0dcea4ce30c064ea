import { z } from "zod";
import { decideAccessReviewItem, ITEM_DECISIONS } from "@/lib/credentialing/access-reviews";
import { AppError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";
import { uuidSchema } from "@/lib/validation";

const body = z.object({
  userId: uuidSchema,
  datasetId: uuidSchema,
  decision: z.enum(ITEM_DECISIONS, { error: "Decision must be certify or revoke" }),
  comment: z.string().trim().max(1000, "The comment is too long (1,000 characters at most)").optional(),
});

// Certifies or revokes one member–dataset pair of an access review.
export const POST = route<"steward", typeof body, { id: string }>({ access: "steward", body }, async ({ user, body, params, ip }) => {
  const id = uuidSchema.safeParse(params.id);
  if (!id.success) throw new AppError("not_found", "No such access review in your lab");
  return decideAccessReviewItem({ actor: user, reviewId: id.data, userId: body.userId, datasetId: body.datasetId, decision: body.decision, comment: body.comment, ip });
});
