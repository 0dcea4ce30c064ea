// JPEG-LS (CharLS) and JPEG 2000 (OpenJPEG) from the @cornerstonejs WASM builds. Each module is
// instantiated once, lazily, on first use. In Node the Emscripten glue reads the .wasm next to itself;
// a browser bundle must say where the .wasm is served from (configureWasmCodecs({ locateWasm })),
// or hand over the bytes, because bundlers do not copy it on their own.
import { DicomDecodeError, describeThrown } from "../errors";

export type WasmCodecName = "charls" | "openjpeg";

export type WasmCodecOptions = {
  /** URL of a codec's .wasm file ("charlswasm_decode.wasm" or "openjpegwasm_decode.wasm"). */
  locateWasm?: (fileName: string, codec: WasmCodecName) => string;
  /** The .wasm bytes themselves, when the caller has already fetched them. */
  wasmBinary?: Partial<Record<WasmCodecName, ArrayBuffer | Uint8Array>>;
};

type Decoded = { width: number; height: number; bitsPerSample: number; components: number; isSigned: boolean; bytes: Uint8Array };

type CodecModules = {
  charls: { JpegLSDecoder: new () => EmscriptenDecoder };
  openjpeg: { J2KDecoder: new () => EmscriptenDecoder };
};

let options: WasmCodecOptions = {};
const loading: Partial<Record<WasmCodecName, Promise<unknown>>> = {};

/** Call before the first decode; later calls only affect codecs not yet loaded. */
export function configureWasmCodecs(next: WasmCodecOptions): void {
  options = next;
}

function moduleArg(codec: WasmCodecName): EmscriptenModuleArg {
  const { locateWasm, wasmBinary } = options;
  return {
    // OpenJPEG prints "[INFO] …" lines for every image; they are noise in a server log and a console.
    print: () => {},
    printErr: () => {},
    ...(locateWasm ? { locateFile: (path: string) => (path.endsWith(".wasm") ? locateWasm(path, codec) : path) } : {}),
    ...(wasmBinary?.[codec] ? { wasmBinary: wasmBinary[codec] } : {}),
  };
}

function load<K extends WasmCodecName>(codec: K): Promise<CodecModules[K]> {
  let promise = loading[codec] as Promise<CodecModules[K]> | undefined;
  if (!promise) {
    const started =
      codec === "charls"
        ? import("@cornerstonejs/codec-charls/decodewasmjs").then((m) => m.default(moduleArg("charls")))
        : import("@cornerstonejs/codec-openjpeg/decodewasmjs").then((m) => m.default(moduleArg("openjpeg")));
    promise = (started as Promise<CodecModules[K]>).catch((e: unknown) => {
      delete loading[codec];
      throw new DicomDecodeError(`The ${codec} decoder could not be loaded (${describeThrown(e)}).`, { cause: e });
    });
    loading[codec] = promise;
  }
  return promise;
}

function run(decoder: EmscriptenDecoder, data: Uint8Array, what: string, reduce = 0): Decoded {
  try {
    decoder.getEncodedBuffer(data.length).set(data);
    if (reduce > 0) decoder.decodeSubResolution!(reduce, 0);
    else decoder.decode();
    const info = decoder.getFrameInfo();
    // Copy out: the view points into WASM memory, which the next decode may reuse or grow.
    const bytes = decoder.getDecodedBuffer().slice();
    // At a reduction the frame info still gives the full size; each level halves it, rounding up.
    const size = reduce > 0 ? decoder.calculateSizeAtDecompositionLevel!(reduce) : { width: info.width, height: info.height };
    return {
      width: size.width,
      height: size.height,
      bitsPerSample: info.bitsPerSample,
      components: info.componentCount,
      isSigned: info.isSigned ?? false,
      bytes,
    };
  } catch (e) {
    throw new DicomDecodeError(`The ${what} pixel data is damaged or cut short (${describeThrown(e)}).`, { cause: e });
  } finally {
    decoder.delete();
  }
}

export async function decodeJpegLs(data: Uint8Array): Promise<Decoded> {
  const codec = await load("charls");
  return forgetOnFailure("charls", () => run(new codec.JpegLSDecoder(), data, "JPEG-LS"));
}

/**
 * `reduce`: decode only the codestream's resolution `reduce` levels down (each halves the width and
 * height), which skips the finer wavelet levels' work. Levels the codestream lacks are an error.
 */
export async function decodeJpeg2000(data: Uint8Array, opts: { reduce?: number } = {}): Promise<Decoded> {
  const codec = await load("openjpeg");
  return forgetOnFailure("openjpeg", () => run(new codec.J2KDecoder(), data, "JPEG 2000", opts.reduce ?? 0));
}


/** An Emscripten abort leaves its module unusable, so a failed decode gets a fresh instance next time. */
function forgetOnFailure<T>(codec: WasmCodecName, decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    delete loading[codec];
    throw e;
  }
}
