import { z } from "zod";
import { AppError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";
import { newDatasetSchema, setRetention } from "@/lib/settings/lab-datasets";
import { uuidSchema } from "@/lib/validation";

const body = z.object({ retentionDays: newDatasetSchema.shape.retentionDays.unwrap() });

export const POST = route<"steward", typeof body, { id: string }>({ access: "steward", body }, async ({ user, body, params, ip }) => {
  const id = uuidSchema.safeParse(params.id);
  if (!id.success) throw new AppError("not_found", "Your lab holds no such dataset version");
  return setRetention({ actor: user, datasetId: id.data, retentionDays: body.retentionDays, ip });
});
