import { duaSignatureSchema, signDua } from "@/lib/credentialing/sign-dua";
import { route } from "@/lib/http/route";

const body = duaSignatureSchema();

export const POST = route({ access: "member", body }, async ({ user, body, ip }) => signDua({ actor: user, input: body, ip }));
