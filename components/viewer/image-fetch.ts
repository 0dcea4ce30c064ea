// An image's request starts the moment its viewer mounts, while cornerstone and the loader are still
// loading; the loader then takes that response instead of asking again. Each mount is its own
// request (and its own audit row): nothing here outlives the viewer that started it.

import { EARLY_IMAGE_GLOBAL, type EarlyImage } from "./early-image-fetch";

const pending = new Map<string, { response: Promise<Response>; abort: AbortController }>();

function request(url: string, signal?: AbortSignal): Promise<Response> {
  return fetch(url, { cache: "no-store", credentials: "same-origin", redirect: "error", signal });
}

/** The request the study page started before its scripts ran (early-image-fetch.tsx), if it is for `url`. */
function takeEarly(url: string): { response: Promise<Response>; abort: AbortController } | null {
  const w = window as unknown as Record<string, EarlyImage | undefined>;
  const early = w[EARLY_IMAGE_GLOBAL];
  if (!early || early.url !== url) return null;
  delete w[EARLY_IMAGE_GLOBAL];
  return early;
}

/**
 * Our own audited routes for image bytes: a study's images, and verified files in lab storage (the
 * storage browser). An image id must never make the browser talk to anything else.
 */
export function isLabgateImageUrl(url: string): boolean {
  return url.startsWith("/api/datasets/") || url.startsWith("/api/downloads/files/");
}

export function startImageFetch(url: string): void {
  // Only our own image routes; the loader refuses anything else in any case.
  if (!isLabgateImageUrl(url) || pending.has(url)) return;
  const early = takeEarly(url);
  if (early) return void pending.set(url, early);
  const abort = new AbortController();
  const response = request(url, abort.signal);
  response.catch(() => {}); // a failure is reported by whoever takes the response
  pending.set(url, { response, abort });
}

/** The response started for `url`, or a new request when none is waiting. */
export function takeImageFetch(url: string): Promise<Response> {
  const started = pending.get(url);
  pending.delete(url);
  return started?.response ?? request(url);
}

/** The viewer went away before the loader took its response: stop the download. */
export function cancelImageFetch(url: string): void {
  pending.get(url)?.abort.abort();
  pending.delete(url);
}
