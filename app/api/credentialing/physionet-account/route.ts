import { z } from "zod";
import { physionetUsernameSchema } from "@/lib/credentialing/physionet-username";
import { setPhysionetUsername } from "@/lib/credentialing/physionet-account";
import { route } from "@/lib/http/route";

const body = z.object({ username: physionetUsernameSchema });

export const POST = route({ access: "member", body }, async ({ user, body, ip }) => setPhysionetUsername({ actor: user, username: body.username, ip }));
