import { NextResponse } from "next/server";
import { verifySchema, verifyWithPhysionet } from "@/lib/credentialing/verify-with-physionet";
import { route } from "@/lib/http/route";

export const POST = route({ access: "member", body: verifySchema }, async ({ user, body, ip }) => {
  const result = await verifyWithPhysionet({ actor: user, datasetId: body.datasetId, password: body.password, ip });
  // The answer is about a password the member just typed: never kept by a cache.
  return NextResponse.json(result, { headers: { "Cache-Control": "no-store, private" } });
});
