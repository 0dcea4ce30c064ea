import { serveStoredFile } from "@/lib/api/serve-stored-file";
import { route } from "@/lib/http/route";

type Params = { slug: string; version: string; path: string[] };

// A verified file of the lab's copy, with Range (resumable pulls), audited per request with the token.
export const GET = route<"dataset", undefined, Params>({ access: "dataset", tokens: true }, async ({ user, dataset, params, req, ip, token }) =>
  serveStoredFile({ user, dataset, path: params.path.join("/"), rangeHeader: req.headers.get("range"), ip, tokenId: token?.id ?? null }),
);
