import { NextResponse } from "next/server";
import { verifySchema, verifyWithPhysionet } from "@/lib/credentialing/verify-with-physionet";
import { route } from "@/lib/http/route";
import { WgetBusyError } from "@/lib/physionet/wget/wget-slots";

export const POST = route({ access: "member", body: verifySchema }, async ({ user, body, ip }) => {
  try {
    const result = await verifyWithPhysionet({ actor: user, datasetId: body.datasetId, password: body.password, ip });
    // The answer is about a password the member just typed: never kept by a cache.
    return NextResponse.json(result, { headers: { "Cache-Control": "no-store, private" } });
  } catch (e) {
    // Every wget slot of the installation is taken (audited in verifyWithPhysionet).
    if (!(e instanceof WgetBusyError)) throw e;
    return NextResponse.json(
      { error: "PhysioNet checks are busy right now; please try again in a few seconds." },
      { status: 429, headers: { "Retry-After": String(e.retryAfterSeconds), "Cache-Control": "no-store, private" } },
    );
  }
});
