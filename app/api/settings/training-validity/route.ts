import { z } from "zod";
import { trainingValiditySchema } from "@/lib/credentialing/policy";
import { route } from "@/lib/http/route";
import { updateTrainingValidity } from "@/lib/settings/access-policy";

const body = z.object({ trainingType: z.string({ error: "Choose a training type" }).min(1, "Choose a training type"), validityDays: trainingValiditySchema });

export const POST = route({ access: "steward", body }, async ({ user, body, ip }) => updateTrainingValidity({ actor: user, trainingType: body.trainingType, validityDays: body.validityDays, ip }));
