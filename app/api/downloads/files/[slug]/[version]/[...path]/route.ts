import { Readable } from "node:stream";
import { NextResponse } from "next/server";
import { recordAudit } from "@/lib/audit/record";
import { getDb } from "@/lib/db/client";
import { contentTypeFor, findStoredFile } from "@/lib/downloads/read-file";
import { route } from "@/lib/http/route";
import { parseByteRange } from "@/lib/physionet/upstream/byte-range";
import { getStorage } from "@/lib/storage/get-storage";

// The only way downloaded files leave lab storage. `route({ access: "dataset" })` re-checks the
// member's access on every request (a refusal is audited there); every read is audited here before
// the first byte; nothing may be kept by a browser or proxy cache. Always an attachment, never
// rendered: a stored .html must not run in labgate's origin.
const HEADERS = { "cache-control": "no-store, private", pragma: "no-cache", vary: "Cookie", "x-content-type-options": "nosniff" };

type Params = { slug: string; version: string; path: string[] };

export const GET = route<"dataset", undefined, Params>({ access: "dataset" }, async ({ user, dataset, params, req, ip }) => {
  const rel = params.path.join("/");
  const file = await findStoredFile({ labId: user.labId, datasetId: dataset.id, path: rel });
  const rangeHeader = req.headers.get("range") ?? undefined;
  await recordAudit(getDb(), {
    action: "download.read",
    outcome: file ? "ok" : "failed",
    labId: user.labId,
    actor: user,
    ip,
    target: { type: "dataset_file", id: `${dataset.slug}/${dataset.version}/${rel}`.slice(0, 500) },
    details: { dataset: `${dataset.slug}/${dataset.version}`, ...(rangeHeader ? { range: rangeHeader.slice(0, 100) } : {}), ...(file ? {} : { reason: "not in lab storage" }) },
  });
  if (!file) return NextResponse.json({ error: "This file is not in lab storage." }, { status: 404, headers: HEADERS });

  const range = parseByteRange({ header: rangeHeader, size: file.size });
  if (range.kind === "unsatisfiable") return new Response(null, { status: 416, headers: { ...HEADERS, "content-range": `bytes */${file.size}` } });
  const partial = range.kind === "partial" ? { start: range.start, end: range.end } : undefined;
  const body = await getStorage().openRead(file.storageKey, partial);
  if (!body) return NextResponse.json({ error: "This file is listed but missing from lab storage; a steward should check it." }, { status: 410, headers: HEADERS });
  const name = rel.split("/").pop()!.replace(/[^A-Za-z0-9._-]/g, "_");
  return new Response(Readable.toWeb(body as Readable) as ReadableStream<Uint8Array>, {
    status: partial ? 206 : 200,
    headers: {
      ...HEADERS,
      "content-type": contentTypeFor(rel),
      "content-length": String(partial ? partial.end - partial.start + 1 : file.size),
      "accept-ranges": "bytes",
      "content-disposition": `attachment; filename="${name}"`,
      ...(partial ? { "content-range": `bytes ${partial.start}-${partial.end}/${file.size}` } : {}),
    },
  });
});
