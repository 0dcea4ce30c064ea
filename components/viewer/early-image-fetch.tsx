// The study page's first image (and its reduced preview) start downloading while the page is still
// being parsed, instead of after its scripts have loaded and hydrated (a few hundred milliseconds on a
// busy machine). The viewer takes these responses (image-fetch.ts); they are the audited requests for
// that view.

export const EARLY_IMAGE_GLOBAL = "__labgateEarlyImage";

export type EarlyImage = { abort: AbortController; response: Promise<Response> };
/** What the inline script leaves on window: one started request per URL. */
export type EarlyImages = Record<string, EarlyImage>;

/** A nonce'd inline script (the page's CSP allows no other) that starts the fetches, in order. */
export function EarlyImageFetch({ urls, nonce }: { urls: string[]; nonce: string | undefined }) {
  const own = urls.filter((u) => u.startsWith("/api/datasets/"));
  if (own.length === 0) return null;
  // One after the other: each request starts when the one before has answered, so a small preview
  // is not slowed down by the full file's bytes.
  const js = `(()=>{const started=window.${EARLY_IMAGE_GLOBAL}||{};let before=Promise.resolve();for(const url of ${JSON.stringify(own).replace(/</g, "\\u003c")}){const abort=new AbortController();const response=before.then(()=>fetch(url,{cache:"no-store",credentials:"same-origin",redirect:"error",signal:abort.signal}));response.catch(()=>{});before=response.then(()=>{},()=>{});started[url]={abort,response};}window.${EARLY_IMAGE_GLOBAL}=started;})();`;
  return <script nonce={nonce} dangerouslySetInnerHTML={{ __html: js }} />;
}
