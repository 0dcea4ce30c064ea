// Colour layouts → interleaved 8-bit RGB. The YBR equations are PS3.3 C.7.6.3.1.2 (full range).
import { UnsupportedImageError } from "./errors";

export function toInterleavedRgb(bytes: Uint8Array, count: number, photometric: string, planar: 0 | 1): Uint8Array {
  if (photometric === "YBR_FULL_422" && planar === 0 && bytes.length < count * 3) {
    return ybrToRgb(expandYbr422(bytes, count));
  }
  const interleaved = planar === 1 ? interleavePlanes(bytes, count) : bytes.slice(0, count * 3);
  switch (photometric) {
    case "RGB":
    // Compressed codecs that undo YBR themselves hand us RGB but the header still says YBR_ICT/RCT.
    case "YBR_ICT":
    case "YBR_RCT":
      return interleaved;
    case "YBR_FULL":
    case "YBR_FULL_422":
      return ybrToRgb(interleaved);
    default:
      throw new UnsupportedImageError(`The viewer cannot display ${photometric} colour images.`);
  }
}

function interleavePlanes(bytes: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(count * 3);
  for (let i = 0; i < count; i++) {
    out[3 * i] = bytes[i]!;
    out[3 * i + 1] = bytes[count + i]!;
    out[3 * i + 2] = bytes[2 * count + i]!;
  }
  return out;
}

/** Native YBR_FULL_422 stores Y1 Y2 Cb Cr for each horizontal pair of pixels. */
function expandYbr422(bytes: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(count * 3);
  for (let p = 0, j = 0; p < count && j + 3 < bytes.length; p += 2, j += 4) {
    const cb = bytes[j + 2]!;
    const cr = bytes[j + 3]!;
    out.set([bytes[j]!, cb, cr], 3 * p);
    if (p + 1 < count) out.set([bytes[j + 1]!, cb, cr], 3 * (p + 1));
  }
  return out;
}

export function ybrToRgb(ybr: Uint8Array): Uint8Array {
  const out = new Uint8Array(ybr.length);
  for (let i = 0; i + 2 < ybr.length; i += 3) {
    const y = ybr[i]!;
    const cb = ybr[i + 1]! - 128;
    const cr = ybr[i + 2]! - 128;
    out[i] = clamp8(y + 1.402 * cr);
    out[i + 1] = clamp8(y - 0.344136 * cb - 0.714136 * cr);
    out[i + 2] = clamp8(y + 1.772 * cb);
  }
  return out;
}

function clamp8(v: number) {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}
