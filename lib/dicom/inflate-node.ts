// Server-only inflater (thumbnails, import checks): synchronous, so parseDicom can be called directly.
import { inflateRawSync } from "node:zlib";
import type { InflateRaw } from "./inflate";

export const inflateRawNode: InflateRaw = (deflated) => {
  const out = inflateRawSync(deflated);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
};
