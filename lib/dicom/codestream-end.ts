// Scanners pad an encapsulated frame after its codestream: one byte to reach an even fragment length
// or many (0x00, 0xFF, anything) to fill a block. The codecs want the codestream alone: jpeg-lossless
// reads garbage past the end, and a decoder seeing 0xFF padding can take it for a marker.

/** JPEG (EOI) and JPEG 2000 (EOC) both end with FF D9. */
const END = 0xd9;

/**
 * The codestream up to and including its last FF D9, or the bytes unchanged when there is none (a
 * stream cut short, which the codec then reports). FF D9 cannot occur inside the coded data: JPEG
 * stuffs every FF in entropy-coded data with 00, JPEG-LS with a clear top bit, and JPEG 2000 never
 * lets FF be followed by a byte above 8F, so the last one is the end marker.
 */
export function trimAfterEndMarker(data: Uint8Array): Uint8Array {
  for (let i = data.length - 1; i > 0; i--) {
    if (data[i] === END && data[i - 1] === 0xff) return i === data.length - 1 ? data : data.subarray(0, i + 1);
  }
  return data;
}
