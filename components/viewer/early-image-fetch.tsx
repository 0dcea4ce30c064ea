// The study page's first image starts downloading while the page is still being parsed, instead of
// after its scripts have loaded and hydrated (a few hundred milliseconds on a busy machine). The
// viewer takes this response (image-fetch.ts); it is the one audited request for that view.

export const EARLY_IMAGE_GLOBAL = "__labgateEarlyImage";

export type EarlyImage = { url: string; abort: AbortController; response: Promise<Response> };

// The preview picture comes first: started together, the 15 MB file's request held the server up
// long enough to delay the preview's first byte by ~100 ms. A slow preview holds the file up 1 s at most.
const AFTER_PREVIEW_AT_MOST_MS = 1000;

/**
 * A nonce'd inline script (the page's CSP allows no other) that starts the fetch, once the viewer's
 * preview <img> (`after`, its src) has loaded or failed. Placed after the viewer in the page, so
 * that the <img> has been parsed when it runs.
 */
export function EarlyImageFetch({ url, after, nonce }: { url: string; after: string | null; nonce: string | undefined }) {
  if (!url.startsWith("/api/datasets/")) return null;
  const json = (v: unknown) => JSON.stringify(v).replace(/</g, "\\u003c");
  const js = `(()=>{const url=${json(url)},after=${json(after)};const abort=new AbortController();const img=after&&[...document.images].find((i)=>i.getAttribute("src")===after);const previewDone=new Promise((done)=>{if(!img||img.complete)return done();img.addEventListener("load",done,{once:true});img.addEventListener("error",done,{once:true});setTimeout(done,${AFTER_PREVIEW_AT_MOST_MS});});const response=previewDone.then(()=>fetch(url,{cache:"no-store",credentials:"same-origin",redirect:"error",signal:abort.signal}));response.catch(()=>{});window.${EARLY_IMAGE_GLOBAL}={url,abort,response};})();`;
  return <script nonce={nonce} dangerouslySetInnerHTML={{ __html: js }} />;
}
