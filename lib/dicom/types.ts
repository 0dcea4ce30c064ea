// Plain data shapes shared by parsing, decoding and rendering. They hold no dicom-parser objects, only
// numbers, strings and typed-array views, so they survive structured clone into and out of a worker.

import type { FrameTime } from "./frame-time";

/** A Modality or VOI LUT from its sequence: output = data[input - firstValueMapped], clamped at both ends. */
export type LookupTable = {
  firstValueMapped: number;
  /** Bits per entry; a VOI LUT's output range is 0 … 2^bitsPerEntry − 1. */
  bitsPerEntry: number;
  data: Uint16Array;
  explanation: string | null;
};

export type WindowPreset = { center: number; width: number; explanation: string | null };

export type VoiLutFunction = "LINEAR" | "LINEAR_EXACT" | "SIGMOID";

/** Row spacing (between rows, i.e. vertical) first, then column spacing, in mm, as DICOM stores them. */
export type PixelSpacing = { row: number; column: number };

/**
 * Where one image's pixel bytes are. Views share the buffer the file was parsed from (or its inflated
 * copy for deflated files), so nothing is copied until a frame is decoded.
 */
export type PixelDataRef =
  | { encapsulated: false; bytes: Uint8Array; bigEndian: boolean }
  /** Fragments per frame, in order; a frame's codestream is its fragments concatenated. */
  | { encapsulated: true; frames: Uint8Array[][] };

export type DicomImageInfo = {
  transferSyntaxUID: string;
  transferSyntaxName: string;
  sopClassUID: string | null;
  sopInstanceUID: string | null;
  studyInstanceUID: string | null;
  seriesInstanceUID: string | null;
  patientId: string | null;
  accessionNumber: string | null;
  modality: string | null;
  viewPosition: string | null;
  rows: number;
  columns: number;
  numberOfFrames: number;
  /** The interval between frames of a multi-frame image, and the element it came from; null: none given. */
  frameTime: FrameTime | null;
  samplesPerPixel: number;
  photometricInterpretation: string;
  /** 0 = colour-by-pixel (RGBRGB…), 1 = colour-by-plane (RR…GG…BB…). */
  planarConfiguration: 0 | 1;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  /** 0 = unsigned, 1 = two's complement. */
  pixelRepresentation: 0 | 1;
  rescaleSlope: number;
  rescaleIntercept: number;
  rescaleType: string | null;
  modalityLut: LookupTable | null;
  /** Every WindowCenter/WindowWidth pair in the header, in order; the first is the default. */
  windows: WindowPreset[];
  voiLutFunction: VoiLutFunction;
  /** VOI LUT Sequence items, in order; the first is the default when there is no window. */
  voiLuts: LookupTable[];
  pixelSpacing: PixelSpacing | null;
  imagerPixelSpacing: PixelSpacing | null;
  pixelPaddingValue: number | null;
  pixelData: PixelDataRef | null;
};

export type GrayscalePixels = Uint8Array | Int8Array | Uint16Array | Int16Array;

/** One frame's pixels after decompression, bit masking and sign extension. */
export type DecodedFrame =
  | {
      kind: "grayscale";
      rows: number;
      columns: number;
      /** Stored values (before the modality LUT), one per pixel, row by row. */
      pixels: GrayscalePixels;
      minStored: number;
      maxStored: number;
    }
  | {
      kind: "rgb";
      rows: number;
      columns: number;
      /** 8-bit R, G, B per pixel, interleaved, already converted from YBR where the file held YBR. */
      pixels: Uint8Array;
    };
