// An image's bytes, fetched (image-fetch.ts) and decoded, before cornerstone needs them: a viewer's
// preview is decoded while cornerstone's own code is still loading, and cornerstone's loader
// (labgate-image-loader.ts) takes the result. Nothing here outlives the viewer that started it.
import type { DecodedDicomFile } from "@/lib/dicom/decode-file";
import { decodeDicom, startDecoders, type DecodedIn } from "./decode-client";
import { takeImageFetch } from "./image-fetch";

/** The route refused or could not serve the image; its JSON message is meant for the viewer's user. */
export class ImageFetchError extends Error {
  constructor(
    public readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ImageFetchError";
  }
}

export type FetchedImage = { kind: "dicom"; decoded: DecodedDicomFile; decodedIn: DecodedIn } | { kind: "jpeg"; blob: Blob };

const started = new Map<string, Promise<FetchedImage>>();

/** Starts fetching and decoding `url` now; the loader takes the result (takeDecodedImage). */
export function startDecodedImage(url: string): void {
  if (started.has(url)) return;
  const result = fetchAndDecode(url);
  result.catch(() => {}); // reported by whoever takes it
  started.set(url, result);
}

/** The result started for `url`, or a new fetch and decode when none is waiting. */
export function takeDecodedImage(url: string): Promise<FetchedImage> {
  const result = started.get(url);
  started.delete(url);
  return result ?? fetchAndDecode(url);
}

/** The viewer went away before the loader took its result. */
export function dropDecodedImage(url: string): void {
  started.delete(url);
}

async function fetchAndDecode(url: string): Promise<FetchedImage> {
  startDecoders();
  const res = await takeImageFetch(url);
  if (!res.ok) throw new ImageFetchError(res.status, await refusalMessage(res));
  // A preview request (?fit=) for an image that has no smaller copy: the viewer waits for the image itself.
  if (res.status === 204) throw new ImageFetchError(204, "There is no smaller copy of this image.");
  const type = res.headers.get("content-type") ?? "";
  if (type.startsWith("image/jpeg")) return { kind: "jpeg", blob: await res.blob() };
  const bytes = await res.arrayBuffer();
  const { decoded, decodedIn } = await decodeDicom(bytes, { small: new URL(url, window.location.href).searchParams.has("fit") });
  // For the benchmark's breakdown of the time to the full image.
  performance.mark("labgate:image-decoded", { detail: url });
  return { kind: "dicom", decoded, decodedIn };
}

async function refusalMessage(res: Response): Promise<string> {
  const body = (await res.json().catch(() => null)) as { error?: unknown } | null;
  if (body && typeof body.error === "string") return body.error;
  // 401 and 403 come from the auth chokepoint, which answers without a body.
  if (res.status === 401) return "Your session has ended; sign in again to see this image.";
  if (res.status === 403) return "You do not have access to this dataset version (any more), so its images cannot be shown.";
  return `The image could not be fetched (HTTP ${res.status}).`;
}
