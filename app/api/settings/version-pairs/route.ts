import { route } from "@/lib/http/route";
import { setVersionPair, versionPairSchema } from "@/lib/mimic/pairing/version-pairs";

export const POST = route({ access: "steward", body: versionPairSchema }, async ({ user, body, ip }) =>
  setVersionPair({ actor: user, cxrDatasetId: body.cxrDatasetId, jpgDatasetId: body.jpgDatasetId, ip }),
);
