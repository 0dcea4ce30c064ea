// Messages between the page (decode-client.ts) and the decoding worker (decode.worker.ts).
import type { DecodedDicomFile } from "@/lib/dicom/decode-file";
import type { OpeningFrame } from "@/lib/dicom/decode-opening";
import type { DicomErrorCode } from "@/lib/dicom/errors";
import type { HeaderElement } from "@/lib/dicom/header";

export type DecodeRequest = { kind: "configure"; wasmUrls: Record<string, string> } | { kind: "decode"; id: number; bytes: ArrayBuffer; openingBox?: { width: number; height: number } };

/** opening: a stand-in picture sent ahead of the reply with the same id (decode-opening.ts). */
export type DecodeReply = { id: number; opening: OpeningFrame } | { id: number; ok: true; result: DecodedDicomFile } | { id: number; ok: false; error: { code: DicomErrorCode | null; message: string; header?: HeaderElement[] } };
