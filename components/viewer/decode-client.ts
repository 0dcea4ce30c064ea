// The page's side of DICOM decoding: files go to a small pool of module workers (decode.worker.ts)
// so parsing and decompression never block scrolling, dragging or the other viewport. Only a browser
// without Worker decodes on the page itself.
import type { DecodedDicomFile } from "@/lib/dicom/decode-file";
import type { OpeningFrame } from "@/lib/dicom/decode-opening";
import { DicomError } from "@/lib/dicom/errors";
import type { DecodeReply, DecodeRequest } from "./decode-protocol";

export type DecodedIn = "worker" | "main-thread";

// The WASM codecs (JPEG-LS, JPEG 2000) are emitted by the bundler as static assets next to the chunks.
function wasmUrls(): Record<string, string> {
  return {
    "charlswasm_decode.wasm": new URL("../../node_modules/@cornerstonejs/codec-charls/dist/charlswasm_decode.wasm", import.meta.url).href,
    "openjpegwasm_decode.wasm": new URL("../../node_modules/@cornerstonejs/codec-openjpeg/dist/openjpegwasm_decode.wasm", import.meta.url).href,
  };
}

type Pending = { resolve: (r: DecodedDicomFile) => void; reject: (e: Error) => void; onOpening?: (o: OpeningFrame) => void };
/** A JPEG 2000 file's lower-resolution picture, fitted into `box`, handed to `onFrame` before the full decode is done. */
export type OpeningOptions = { box: { width: number; height: number }; onFrame: (opening: OpeningFrame) => void };
type Slot = { worker: Worker; pending: Map<number, Pending> };

let slots: Slot[] = [];
let nextId = 1;

export function workersAvailable(): boolean {
  return typeof Worker !== "undefined";
}

/** Starts the workers ahead of the first image, so their start overlaps the image's download. */
export function startDecoders(): void {
  if (workersAvailable() && slots.length === 0) slots = Array.from({ length: poolSize() }, startSlot);
}

function poolSize(): number {
  // Two viewports side by side decode in parallel; more workers than that only cost memory.
  return Math.max(1, Math.min(2, navigator.hardwareConcurrency || 1));
}

function startSlot(): Slot {
  const worker = new Worker(new URL("./decode.worker.ts", import.meta.url), { type: "module" });
  const slot: Slot = { worker, pending: new Map() };
  const fail = (message: string) => {
    for (const p of slot.pending.values()) p.reject(new Error(message));
    slot.pending.clear();
    worker.terminate();
    slots = slots.filter((s) => s !== slot);
  };
  worker.onmessage = (event: MessageEvent<DecodeReply>) => {
    const reply = event.data;
    const p = slot.pending.get(reply.id);
    if (!p) return;
    if ("opening" in reply) return p.onOpening?.(reply.opening);
    slot.pending.delete(reply.id);
    if (reply.ok) p.resolve(reply.result);
    else if (reply.error.code) p.reject(Object.assign(new DicomError(reply.error.code, reply.error.message), { header: reply.error.header }));
    else p.reject(new Error(reply.error.message));
  };
  worker.onerror = (event) => {
    event.preventDefault();
    fail(`the image decoder stopped (${event.message || "it could not be started"})`);
  };
  worker.onmessageerror = () => fail("the image decoder sent an unreadable reply");
  worker.postMessage({ kind: "configure", wasmUrls: wasmUrls() } satisfies DecodeRequest);
  return slot;
}

/** Decodes a DICOM file; `bytes` is handed over to the worker and unusable afterwards. */
export async function decodeDicom(bytes: ArrayBuffer, opening?: OpeningOptions): Promise<{ decoded: DecodedDicomFile; decodedIn: DecodedIn }> {
  // On the page, a stand-in picture would only hold the thread longer before the full image.
  if (!workersAvailable()) return { decoded: await decodeOnPage(bytes), decodedIn: "main-thread" };
  startDecoders();
  const slot = slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  const id = nextId++;
  const decoded = await new Promise<DecodedDicomFile>((resolve, reject) => {
    slot.pending.set(id, { resolve, reject, onOpening: opening?.onFrame });
    slot.worker.postMessage({ kind: "decode", id, bytes, ...(opening ? { openingBox: opening.box } : {}) } satisfies DecodeRequest, [bytes]);
  });
  return { decoded, decodedIn: "worker" };
}

let pageCodecsConfigured = false;

async function decodeOnPage(bytes: ArrayBuffer): Promise<DecodedDicomFile> {
  const [{ decodeDicomFile }, { configureWasmCodecs }] = await Promise.all([import("@/lib/dicom/decode-file"), import("@/lib/dicom/codecs/wasm-codecs")]);
  if (!pageCodecsConfigured) {
    const urls = wasmUrls();
    configureWasmCodecs({ locateWasm: (fileName) => urls[fileName] ?? fileName });
    pageCodecsConfigured = true;
  }
  return decodeDicomFile(new Uint8Array(bytes));
}
