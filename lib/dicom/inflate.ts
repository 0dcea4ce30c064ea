// Deflated Explicit VR Little Endian compresses everything after the File Meta header with raw deflate
// (RFC 1951, no zlib header). DecompressionStream exists in every browser we support, in workers and in
// Node ≥ 18, so this one path serves the viewer and the server; node:zlib lives in inflate-node.ts.

/** Synchronous raw-deflate inflater, for callers that have one (node:zlib on the server). */
export type InflateRaw = (deflated: Uint8Array) => Uint8Array;

export async function inflateRawWithStreams(deflated: Uint8Array): Promise<Uint8Array> {
  // Copy into a fresh ArrayBuffer-backed array: Blob wants a BufferSource it may keep.
  const input = new Uint8Array(deflated);
  const stream = new Blob([input]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
