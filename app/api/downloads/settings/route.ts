import { z } from "zod";
import { getDb } from "@/lib/db/client";
import { setLabQuota } from "@/lib/downloads/usage";
import { route } from "@/lib/http/route";

const quotaSchema = z.object({
  // GiB; null removes the quota.
  quotaGiB: z.number({ error: "Give the quota in GiB, or clear it" }).positive("The quota must be more than 0 GiB").max(1_000_000).nullable(),
});

export const POST = route({ access: "steward", body: quotaSchema }, async ({ user, body, ip }) => {
  const quotaBytes = body.quotaGiB === null ? null : Math.round(body.quotaGiB * 1024 ** 3);
  await setLabQuota(getDb(), { actor: user, quotaBytes, ip });
  return { quotaBytes };
});
