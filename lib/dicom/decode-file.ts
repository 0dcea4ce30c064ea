// A whole DICOM file → what the viewer shows: image info, the first frame's stored values and the
// header's element list. The same function runs in the decoding worker and, where a browser has no
// workers, on the page; it returns plain data that survives structured clone.
import { decodePixels } from "./decode";
import { withHeader } from "./errors";
import type { HeaderElement } from "./header";
import { parseDicomWithHeader } from "./parse";
import type { DecodedFrame, DicomImageInfo } from "./types";

export type DecodedDicomFile = { info: DicomImageInfo; frame: DecodedFrame; header: HeaderElement[] };

export async function decodeDicomFile(bytes: Uint8Array): Promise<DecodedDicomFile> {
  const { info, header } = await parseDicomWithHeader(bytes);
  let frame: DecodedFrame;
  try {
    frame = await decodePixels(info, 0);
  } catch (e) {
    throw withHeader(e, header);
  }
  // The pixel data reference points into the file's bytes; dropping it lets them go (and keeps a
  // worker from copying the whole file back to the page).
  return { info: { ...info, pixelData: null }, frame, header };
}

/** The buffers worth transferring (not copying) out of a worker: the decoded pixels. */
export function transferablesOf(result: DecodedDicomFile): ArrayBuffer[] {
  const buffer = result.frame.pixels.buffer;
  return buffer instanceof ArrayBuffer ? [buffer] : [];
}
