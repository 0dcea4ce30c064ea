import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { NextResponse } from "next/server";
import { z } from "zod";
import { recordAudit } from "@/lib/audit/record";
import { isDicomError } from "@/lib/dicom/errors";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";
import { DICOM_ID_PATTERN, locateImage } from "@/lib/mimic/images/locate-image";
import { renderPreviewLimited } from "@/lib/thumbnails/preview-renders";
import type { RenderedPreview } from "@/lib/thumbnails/render-preview";
import { RendersBusyError } from "@/lib/thumbnails/thumbnail-cache";

// The only way image bytes reach a browser. `route({ access: "dataset" })` re-checks the member's
// grant on every request, so a revoked member loses the image on the next fetch; nothing here may be
// kept by a browser or proxy cache (no-store, no validators), because a cached copy would outlive it.
const NO_STORE = { "cache-control": "no-store, private", pragma: "no-cache", vary: "Cookie" };

// `?fit=<width>x<height>`: the viewer's first picture, every f-th pixel of every f-th row for a
// viewport of at most that many screen pixels, rendered as the viewer first shows the file
// (lib/thumbnails/render-preview.ts): a PNG the page paints before its scripts have run.
const querySchema = z.object({
  fit: z
    .string()
    .regex(/^\d{2,4}x\d{2,4}$/, "fit must be <width>x<height> in pixels, e.g. 768x512")
    .transform((v) => {
      const [width, height] = v.split("x").map(Number) as [number, number];
      return { width, height };
    })
    .optional(),
});

export const GET = route<"dataset", undefined, { slug: string; version: string; dicomId: string }>({ access: "dataset" }, async ({ req, user, dataset, params, ip }) => {
  if (!DICOM_ID_PATTERN.test(params.dicomId)) throw new AppError("bad_request", "That is not a DICOM id (five groups of hex digits separated by dashes).");
  const query = querySchema.safeParse(Object.fromEntries(req.nextUrl.searchParams));
  if (!query.success) throw new AppError("bad_request", query.error.issues[0]?.message ?? "Invalid query");
  const fit = query.data.fit ?? null;
  const image = await locateImage({ datasetId: dataset.id, dicomId: params.dicomId });
  // A preview is a smaller copy of the same pixels: read, reduced and audited as one.
  let preview: RenderedPreview | null = null;
  try {
    preview = fit && image?.contentType === "application/dicom" ? await renderPreviewLimited({ filePath: image.filePath, box: fit }).catch(noPreviewOfUnreadable) : null;
  } catch (e) {
    if (!(e instanceof RendersBusyError)) throw e;
    // Refused like any limit: audited, 429 with Retry-After; the viewer then draws the file itself.
    await recordAudit(getDb(), { action: "rate_limit.preview", outcome: "denied", labId: user.labId, actor: user, ip, target: { type: "image", id: params.dicomId }, details: { dataset: `${dataset.slug}/${dataset.version}`, limit: "preview.renders", retryAfterSeconds: 1 } });
    return NextResponse.json({ error: "Too many previews are being drawn right now. Try again in 1 second." }, { status: 429, headers: { ...NO_STORE, "retry-after": "1" } });
  }
  const failure = !image ? "not in lab storage" : fit && !preview ? "no smaller copy" : null;
  // One audit row per request, written before the first byte leaves: a view that is cut off still happened.
  await recordAudit(getDb(), {
    action: fit ? "image.preview" : "image.view",
    outcome: failure ? "failed" : "ok",
    labId: user.labId,
    actor: user,
    ip,
    target: { type: "image", id: params.dicomId },
    details: { dataset: `${dataset.slug}/${dataset.version}`, ...(preview ? { reducedBy: preview.factor } : {}), ...(failure ? { reason: failure } : { contentType: image!.contentType }) },
  });
  if (!image) {
    return NextResponse.json({ error: "This image is not in lab storage: only its metadata was imported, so it cannot be shown." }, { status: 404, headers: NO_STORE });
  }
  if (fit) {
    // No copy is not an error the browser should log: the viewer simply waits for the image itself.
    if (!preview) return new Response(null, { status: 204, headers: { ...NO_STORE, "x-labgate-reason": "no smaller copy: not an uncompressed grayscale DICOM, or it already fits" } });
    return new Response(new Uint8Array(preview.png), { headers: { "content-type": "image/png", "content-length": String(preview.png.length), "content-disposition": "inline", ...NO_STORE } });
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

/** A file the preview cannot read is the full file's error to report, in the viewer; other failures are ours. */
function noPreviewOfUnreadable(e: unknown): null {
  if (isDicomError(e)) return null;
  throw e;
}
