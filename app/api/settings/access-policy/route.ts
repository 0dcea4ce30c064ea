import { labAccessPolicySettingsSchema } from "@/lib/credentialing/policy";
import { route } from "@/lib/http/route";
import { updateAccessSettings } from "@/lib/settings/access-policy";

export const POST = route({ access: "steward", body: labAccessPolicySettingsSchema }, async ({ user, body, ip }) =>
  updateAccessSettings({ actor: user, ...body, ip }),
);
