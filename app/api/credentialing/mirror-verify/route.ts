import { NextResponse } from "next/server";
import { verifyMirrorSchema, verifyWithMirror } from "@/lib/credentialing/verify-with-mirror";
import { route } from "@/lib/http/route";

// "Verify with the mirror" (decision 032): the member's own keys sign one HEAD in PhysioNet's cloud
// mirror; the answer is about keys the member just typed and is never kept by a cache.
export const POST = route({ access: "member", body: verifyMirrorSchema }, async ({ user, body, ip }) => {
  const result = await verifyWithMirror({ actor: user, input: body, ip });
  return NextResponse.json(result, { headers: { "Cache-Control": "no-store, private" } });
});
