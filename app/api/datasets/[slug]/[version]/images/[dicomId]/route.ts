import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { NextResponse } from "next/server";
import { recordAudit } from "@/lib/audit/record";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";
import { DICOM_ID_PATTERN, locateImage } from "@/lib/mimic/images/locate-image";

// The only way image bytes reach a browser. `route({ access: "dataset" })` re-checks the member's
// grant on every request, so a revoked member loses the image on the next fetch; nothing here may be
// kept by a browser or proxy cache (no-store, no validators), because a cached copy would outlive it.
const NO_STORE = { "cache-control": "no-store, private", pragma: "no-cache", vary: "Cookie" };

export const GET = route<"dataset", undefined, { slug: string; version: string; dicomId: string }>({ access: "dataset" }, async ({ user, dataset, params, ip }) => {
  if (!DICOM_ID_PATTERN.test(params.dicomId)) throw new AppError("bad_request", "That is not a DICOM id (five groups of hex digits separated by dashes).");
  const image = await locateImage({ datasetId: dataset.id, dicomId: params.dicomId });
  // One audit row per request, written before the first byte leaves: a view that is cut off still happened.
  await recordAudit(getDb(), {
    action: "image.view",
    outcome: image ? "ok" : "failed",
    labId: user.labId,
    actor: user,
    ip,
    target: { type: "image", id: params.dicomId },
    details: { dataset: `${dataset.slug}/${dataset.version}`, ...(image ? { contentType: image.contentType } : { reason: "not in lab storage" }) },
  });
  if (!image) {
    return NextResponse.json({ error: "This image is not in lab storage: only its metadata was imported, so it cannot be shown." }, { status: 404, headers: NO_STORE });
  }
  const body = Readable.toWeb(createReadStream(/*turbopackIgnore: true*/ image.filePath, { highWaterMark: 1 << 20 })) as ReadableStream<Uint8Array>;
  return new Response(body, {
    headers: {
      "content-type": image.contentType,
      "content-length": String(image.size),
      "content-disposition": "inline",
      ...NO_STORE,
    },
  });
});
