// The viewer's decoding worker: DICOM bytes in, image info + stored pixel values + header rows out,
// so that parsing and decompression (WASM codecs included) never block the page. Started by
// decode-client.ts; one message in, one message out per image.
import { configureWasmCodecs } from "@/lib/dicom/codecs/wasm-codecs";
import { decodeDicomFile, transferablesOf } from "@/lib/dicom/decode-file";
import { loadDictionary } from "@/lib/dicom/dictionary";
import type { OpeningFrame } from "@/lib/dicom/decode-opening";
import { isDicomError } from "@/lib/dicom/errors";
import type { DecodeReply, DecodeRequest } from "./decode-protocol";

// Typed here rather than through lib "webworker", which cannot be combined with the DOM lib.
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<DecodeRequest>) => void) | null;
  postMessage(message: DecodeReply, transfer?: Transferable[]): void;
};

// The tag dictionary is a chunk of its own (~210 KB, ~50 KB gzipped): ask for it now, while the page is
// still downloading the file, so listing the header does not wait for it. A failure is retried then.
loadDictionary().catch(() => undefined);

scope.onmessage = (event) => {
  const request = event.data;
  if (request.kind === "configure") {
    // URLs of the .wasm files as the page resolved them: a worker's own base URL may be a blob: URL.
    configureWasmCodecs({ locateWasm: (fileName) => request.wasmUrls[fileName] ?? fileName });
    return;
  }
  const opening = request.openingBox
    ? { box: request.openingBox, onFrame: (frame: OpeningFrame) => scope.postMessage({ id: request.id, opening: frame }, [frame.frame.pixels.buffer as ArrayBuffer]) }
    : undefined;
  decodeDicomFile(new Uint8Array(request.bytes), opening).then(
    (result) => scope.postMessage({ id: request.id, ok: true, result }, transferablesOf(result)),
    (e: unknown) =>
      scope.postMessage({
        id: request.id,
        ok: false,
        error: isDicomError(e) ? { code: e.code, message: e.message, header: e.header } : { code: null, message: e instanceof Error ? e.message : String(e) },
      }),
  );
};
