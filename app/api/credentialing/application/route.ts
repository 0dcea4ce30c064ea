import { applicationSchema } from "@/lib/credentialing/record-application";
import { recordCredentialingApplication } from "@/lib/credentialing/record-application";
import { route } from "@/lib/http/route";

const body = applicationSchema();

export const POST = route({ access: "member", body }, async ({ user, body, ip }) => recordCredentialingApplication({ actor: user, input: body, ip }));
