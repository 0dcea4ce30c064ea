import { z } from "zod";
import { reviewTraining, REVIEW_DECISIONS } from "@/lib/credentialing/review-queue";
import { AppError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";
import { uuidSchema } from "@/lib/validation";

const body = z.object({
  decision: z.enum(REVIEW_DECISIONS, { error: "Decision must be accept or reject" }),
  comment: z.string().trim().max(2000, "The comment is too long (2,000 characters at most)").optional(),
});

export const POST = route<"steward", typeof body, { id: string }>({ access: "steward", body }, async ({ user, body, params, ip }) => {
  const id = uuidSchema.safeParse(params.id);
  if (!id.success) throw new AppError("not_found", "No such training submission in your lab");
  return reviewTraining({ actor: user, trainingId: id.data, decision: body.decision, comment: body.comment, ip });
});
