import { z } from "zod";
import { openAccessReview } from "@/lib/credentialing/access-reviews";
import { route } from "@/lib/http/route";

const body = z.object({
  title: z.string({ error: "Title is required" }).trim().min(1, "Title is required").max(200, "The title is too long (200 characters at most)"),
  deadline: z.iso.datetime({ offset: true, error: "Deadline must be a date and time" }).transform((s) => new Date(s)),
});

// Opens an access review campaign over every member–dataset pair holding access now.
export const POST = route({ access: "steward", body }, async ({ user, body, ip }) => {
  return openAccessReview({ actor: user, title: body.title, deadline: body.deadline, ip });
});
