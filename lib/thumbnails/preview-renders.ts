import "server-only";
import { createHash } from "node:crypto";
import { open, readFile, stat } from "node:fs/promises";
import { reducibleSyntax } from "@/lib/dicom/reduce-dicom";
import { renderPreview, type RenderedPreview } from "./render-preview";
import { createLimiter, RENDERS_AT_ONCE } from "./thumbnail-cache";

// A preview costs what a thumbnail costs (decode a full radiograph, most of a core), so it is limited
// the same way: a few renders at once per server, and one render for any number of identical asks.
// Unlike the thumbnail grid (50 at once from one page), a page asks one preview, so the waiting line
// is short: past it the route answers 429 and the viewer draws the full image itself.
export const PREVIEWS_WAITING_AT_MOST = 16;

const limit = createLimiter(RENDERS_AT_ONCE, { maxWaiting: PREVIEWS_WAITING_AT_MOST });
const inFlight = new Map<string, Promise<RenderedPreview | null>>();

/** The preview of a DICOM file for a box; RendersBusyError when too many are already waiting. */
export async function renderPreviewLimited(opts: { filePath: string; box: { width: number; height: number } }): Promise<RenderedPreview | null> {
  // A compressed file has no preview: say so from its first bytes, not after reading all of it behind
  // other renders, since the page's request for the file itself waits for this answer.
  if (reducibleSyntax(await readPrefix(opts.filePath)) === false) return null;
  const info = await stat(/*turbopackIgnore: true*/ opts.filePath);
  const key = createHash("sha256").update(JSON.stringify([opts.filePath, info.size, info.mtimeMs, opts.box.width, opts.box.height])).digest("hex");
  let pending = inFlight.get(key);
  if (!pending) {
    pending = limit(async () => renderPreview(await readFile(/*turbopackIgnore: true*/ opts.filePath), opts.box)).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}

const PREFIX_BYTES = 16 * 1024;

/**
 * Whether the route can have a preview of this file, told from its meta header alone (its transfer
 * syntax; no pixel is read). The study page asks for the image it opens with: a compressed file gets
 * no preview <img>, so the page neither asks for a 204 nor waits on one before fetching the file.
 */
export async function mayHavePreview(filePath: string): Promise<boolean> {
  return (await readPrefix(filePath).then(reducibleSyntax, () => null)) !== false;
}

async function readPrefix(filePath: string): Promise<Uint8Array> {
  const file = await open(/*turbopackIgnore: true*/ filePath, "r");
  try {
    const buffer = new Uint8Array(PREFIX_BYTES);
    const { bytesRead } = await file.read(buffer, 0, PREFIX_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}
