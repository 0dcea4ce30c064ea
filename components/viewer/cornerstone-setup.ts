// cornerstone-core, loaded on demand with our image loader registered and its image cache bounded.
export type Cornerstone = (typeof import("cornerstone-core"))["default"];

/**
 * The viewer loads with loadImage, which keeps nothing in cornerstone's cache; the cap is there in
 * case anything ever uses loadAndCacheImage, so a tab that opens image after image stays bounded
 * (cornerstone's own default is 1 GB).
 */
export const IMAGE_CACHE_LIMIT_BYTES = 256 * 1024 * 1024;

let ready: Promise<{ cs: Cornerstone; loader: typeof import("./labgate-image-loader") }> | null = null;

export function loadCornerstone() {
  ready ??= Promise.all([import("cornerstone-core"), import("./labgate-image-loader")]).then(([csModule, loader]) => {
    const cs = csModule.default;
    cs.registerImageLoader(loader.LABGATE_SCHEME, loader.loadLabgateImage);
    cs.imageCache.setMaximumSizeBytes(IMAGE_CACHE_LIMIT_BYTES);
    // Lets the benchmark and tests read the cache's state; it holds no pixels of its own.
    (window as { labgateImageCacheInfo?: () => unknown }).labgateImageCacheInfo = () => cs.imageCache.getCacheInfo();
    return { cs, loader };
  });
  return ready;
}
