import { z } from "zod";
import { emailSchema, nameSchema, passwordSchema } from "@/lib/validation";

// One schema for the first-run page and `npm run setup`. The admin either chooses a password or
// (with OpenID Connect configured) becomes admin at their first institutional sign-in.
export const setupSchema = z
  .object({
    labName: z.string({ error: "Lab name is required" }).trim().min(2, "Lab name is required").max(120, "Lab name is too long"),
    institution: z.string({ error: "Institution is required" }).trim().min(2, "Institution is required").max(200, "Institution is too long"),
    adminEmail: emailSchema,
    adminName: nameSchema,
    adminPassword: passwordSchema.nullable(),
  })
  .strict();

export type SetupInput = z.infer<typeof setupSchema>;
