import { NextResponse } from "next/server";
import { recordAudit } from "@/lib/audit/record";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";
import { DICOM_ID_PATTERN, locateImage } from "@/lib/mimic/images/locate-image";
import { getThumbnail } from "@/lib/thumbnails/thumbnail-cache";

// A thumbnail is a small copy of the image, so it is served under the image's rules: the member's
// access is re-checked on every request (route({ access: "dataset" })), every request is audited,
// and nothing may be kept by a browser or proxy cache. The server-side cache is in lab storage.
const NO_STORE = { "cache-control": "no-store, private", pragma: "no-cache", vary: "Cookie" };

export const GET = route<"dataset", undefined, { slug: string; version: string; dicomId: string }>({ access: "dataset" }, async ({ user, dataset, params, ip }) => {
  if (!DICOM_ID_PATTERN.test(params.dicomId)) throw new AppError("bad_request", "That is not a DICOM id (five groups of hex digits separated by dashes).");
  const image = await locateImage({ datasetId: dataset.id, dicomId: params.dicomId });
  const thumbnail = image ? await getThumbnail({ image, datasetId: dataset.id }) : null;
  // Written before the first byte leaves, like the image route's row.
  await recordAudit(getDb(), {
    action: "image.thumbnail",
    outcome: thumbnail?.ok ? "ok" : "failed",
    labId: user.labId,
    actor: user,
    ip,
    target: { type: "image", id: params.dicomId },
    details: {
      dataset: `${dataset.slug}/${dataset.version}`,
      ...(thumbnail?.ok ? { cached: thumbnail.cached } : { reason: thumbnail ? thumbnail.reason : "not in lab storage" }),
    },
  });
  if (!thumbnail) {
    return NextResponse.json({ error: "This image is not in lab storage: only its metadata was imported, so it has no thumbnail." }, { status: 404, headers: NO_STORE });
  }
  if (!thumbnail.ok) return NextResponse.json({ error: `No thumbnail: ${thumbnail.reason}` }, { status: 422, headers: NO_STORE });
  return new Response(new Uint8Array(thumbnail.bytes), {
    headers: { "content-type": "image/jpeg", "content-length": String(thumbnail.bytes.length), "content-disposition": "inline", ...NO_STORE },
  });
});
