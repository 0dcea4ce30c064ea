import { attestationSchema, recordAttestation } from "@/lib/credentialing/record-attestation";
import { route } from "@/lib/http/route";

export const POST = route({ access: "member", body: attestationSchema }, async ({ user, body, ip }) => recordAttestation({ actor: user, input: body, ip }));
