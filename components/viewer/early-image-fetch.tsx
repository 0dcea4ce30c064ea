// The study page's first image starts downloading while the page is still being parsed, instead of
// after its scripts have loaded and hydrated (a few hundred milliseconds on a busy machine). The
// viewer takes this response (image-fetch.ts); it is the one audited request for that view.

export const EARLY_IMAGE_GLOBAL = "__labgateEarlyImage";

export type EarlyImage = { url: string; abort: AbortController; response: Promise<Response> };

/** A nonce'd inline script (the page's CSP allows no other) that starts the fetch. */
export function EarlyImageFetch({ url, nonce }: { url: string; nonce: string | undefined }) {
  if (!url.startsWith("/api/datasets/")) return null;
  const js = `(()=>{const url=${JSON.stringify(url).replace(/</g, "\\u003c")};const abort=new AbortController();const response=fetch(url,{cache:"no-store",credentials:"same-origin",redirect:"error",signal:abort.signal});response.catch(()=>{});window.${EARLY_IMAGE_GLOBAL}={url,abort,response};})();`;
  return <script nonce={nonce} dangerouslySetInnerHTML={{ __html: js }} />;
}
