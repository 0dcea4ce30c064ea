// JPEG Baseline/Extended (8-bit via jpeg-js, 12-bit via jpeg-dct.ts) and JPEG Lossless Process 14
// (jpeg-lossless-decoder-js). All return the codec's samples; decode.ts turns them into stored values.
import * as jpegJs from "jpeg-js";
import { Decoder as LosslessDecoder } from "jpeg-lossless-decoder-js";
import { DicomDecodeError, describeThrown } from "../errors";
import { decodeJpegDct, readJpegPrecision } from "./jpeg-dct";

export type JpegSamples = { width: number; height: number; components: number; samples: Uint8Array | Uint16Array };

export function decodeJpegBaseline(data: Uint8Array): JpegSamples {
  const precision = readJpegPrecision(data);
  if (precision !== null && precision > 8) {
    const image = decodeJpegDct(data);
    return { width: image.width, height: image.height, components: 1, samples: image.samples };
  }
  try {
    const image = jpegJs.decode(data, { useTArray: true, formatAsRGBA: false, tolerantDecoding: false });
    const components = image.data.length / (image.width * image.height);
    return { width: image.width, height: image.height, components, samples: image.data };
  } catch (e) {
    throw new DicomDecodeError(`The JPEG pixel data is damaged or cut short (${describeThrown(e)}).`, { cause: e });
  }
}

export function decodeJpegLossless(data: Uint8Array, bytesPerSample: number): Uint8Array | Uint16Array {
  // jpeg-lossless-decoder-js reads past the end of a cut-short stream for seconds and returns garbage
  // without complaint, so a stream must end with its EOI marker (a fragment may add one pad byte).
  if (!endsWithEoi(data)) {
    throw new DicomDecodeError("The JPEG Lossless pixel data is cut short (no end-of-image marker).");
  }
  try {
    const decoder = new LosslessDecoder();
    const samples = decoder.decode(data.buffer as ArrayBuffer, data.byteOffset, data.length, bytesPerSample);
    if (!samples || samples.length === 0) throw new Error("no samples");
    return samples;
  } catch (e) {
    throw new DicomDecodeError(`The JPEG Lossless pixel data is damaged or cut short (${describeThrown(e)}).`, { cause: e });
  }
}

function endsWithEoi(data: Uint8Array): boolean {
  let end = data.length;
  while (end > 2 && data[end - 1] === 0 && data.length - end < 4) end--;
  return data[end - 2] === 0xff && data[end - 1] === 0xd9;
}
