// These packages ship no type declarations; only the parts lib/dicom calls are declared.

declare module "jpeg-lossless-decoder-js" {
  export class Decoder {
    constructor(buffer?: ArrayBuffer | null, numBytes?: number);
    decode(buffer?: ArrayBuffer, offset?: number, length?: number, numBytes?: number): Uint8Array | Uint16Array;
  }
}

type EmscriptenCodecFrameInfo = {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
};

type EmscriptenDecoder = {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  /** OpenJPEG only: decode `level` resolution levels down, up to quality layer `layer` (0: all). */
  decodeSubResolution?(level: number, layer: number): void;
  calculateSizeAtDecompositionLevel?(level: number): { width: number; height: number };
  getNumDecompositions?(): number;
  getFrameInfo(): EmscriptenCodecFrameInfo;
  getDecodedBuffer(): Uint8Array;
  delete(): void;
};

type EmscriptenModuleArg = {
  locateFile?: (path: string, scriptDirectory: string) => string;
  wasmBinary?: ArrayBuffer | Uint8Array;
  print?: (text: string) => void;
  printErr?: (text: string) => void;
};

declare module "@cornerstonejs/codec-charls/decodewasmjs" {
  const factory: (moduleArg?: EmscriptenModuleArg) => Promise<{ JpegLSDecoder: new () => EmscriptenDecoder }>;
  export default factory;
}

declare module "@cornerstonejs/codec-openjpeg/decodewasmjs" {
  const factory: (moduleArg?: EmscriptenModuleArg) => Promise<{ J2KDecoder: new () => EmscriptenDecoder }>;
  export default factory;
}
