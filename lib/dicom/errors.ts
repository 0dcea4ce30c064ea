// The viewer shows these messages to the person looking at the image, so each one says what is wrong
// with the file in plain words; it never falls back to a blank or garbled canvas.

import type { HeaderElement } from "./header";

export type DicomErrorCode = "parse" | "decode" | "unsupported_transfer_syntax" | "unsupported_image";

export class DicomError extends Error {
  /** The file's header when it could be read although its pixels could not: the viewer still shows it. */
  header?: HeaderElement[];

  constructor(
    public readonly code: DicomErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "DicomError";
  }
}

/** The bytes are not a readable DICOM Part 10 file: not DICOM, truncated, or without usable pixel data. */
export class DicomParseError extends DicomError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("parse", message, options);
    this.name = "DicomParseError";
  }
}

/** The header is fine but a frame's pixel data is corrupt or cut short, so its codec gave up. */
export class DicomDecodeError extends DicomError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("decode", message, options);
    this.name = "DicomDecodeError";
  }
}

/** A well-formed file whose pixel data is encoded in a transfer syntax no codec here decodes. */
export class UnsupportedTransferSyntaxError extends DicomError {
  constructor(
    public readonly transferSyntaxUID: string,
    public readonly transferSyntaxName: string,
    detail?: string,
  ) {
    super(
      "unsupported_transfer_syntax",
      `This image is stored as ${transferSyntaxName} (transfer syntax ${transferSyntaxUID}), which the viewer cannot decode${detail ? `: ${detail}` : ""}.`,
    );
    this.name = "UnsupportedTransferSyntaxError";
  }
}

/** Decodable bytes in a pixel layout the renderer does not handle (e.g. 32-bit or palette colour). */
export class UnsupportedImageError extends DicomError {
  constructor(message: string) {
    super("unsupported_image", message);
    this.name = "UnsupportedImageError";
  }
}

/** `e`, carrying the header along when it is one of ours. */
export function withHeader(e: unknown, header: HeaderElement[]): unknown {
  if (e instanceof DicomError) e.header = header;
  return e;
}

export function isDicomError(e: unknown): e is DicomError {
  return e instanceof DicomError;
}

/** dicom-parser and the Emscripten codecs throw strings, numbers and `{ exception }` objects. */
export function describeThrown(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === "string") return e;
  if (e && typeof e === "object" && "exception" in e) return describeThrown((e as { exception: unknown }).exception);
  return String(e);
}
