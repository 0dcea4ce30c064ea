// How each transfer syntax's pixel data is read. Names follow PS3.6 Annex A so the "cannot decode"
// message names the syntax the way a PACS administrator would look it up.

export type PixelEncoding =
  | "native"
  | "native-big-endian"
  | "encapsulated-uncompressed"
  | "jpeg-baseline"
  | "jpeg-lossless"
  | "jpeg-ls"
  | "jpeg-2000"
  | "rle"
  | "unsupported";

export type TransferSyntax = { uid: string; name: string; encoding: PixelEncoding };

const SYNTAXES: readonly TransferSyntax[] = [
  { uid: "1.2.840.10008.1.2", name: "Implicit VR Little Endian", encoding: "native" },
  { uid: "1.2.840.10008.1.2.1", name: "Explicit VR Little Endian", encoding: "native" },
  { uid: "1.2.840.10008.1.2.1.98", name: "Encapsulated Uncompressed Explicit VR Little Endian", encoding: "encapsulated-uncompressed" },
  { uid: "1.2.840.10008.1.2.1.99", name: "Deflated Explicit VR Little Endian", encoding: "native" },
  { uid: "1.2.840.10008.1.2.2", name: "Explicit VR Big Endian", encoding: "native-big-endian" },
  { uid: "1.2.840.10008.1.2.4.50", name: "JPEG Baseline (Process 1)", encoding: "jpeg-baseline" },
  // Process 2 is 8-bit (jpeg-js); the 12-bit Process 4 goes to our own decoder in codecs/jpeg-dct.ts.
  { uid: "1.2.840.10008.1.2.4.51", name: "JPEG Extended (Process 2 and 4)", encoding: "jpeg-baseline" },
  { uid: "1.2.840.10008.1.2.4.52", name: "JPEG Extended (Process 3 and 5) (retired)", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.53", name: "JPEG Spectral Selection, Non-Hierarchical (Process 6 and 8) (retired)", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.54", name: "JPEG Spectral Selection, Non-Hierarchical (Process 7 and 9) (retired)", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.55", name: "JPEG Full Progression, Non-Hierarchical (Process 10 and 12) (retired)", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.56", name: "JPEG Full Progression, Non-Hierarchical (Process 11 and 13) (retired)", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.57", name: "JPEG Lossless, Non-Hierarchical (Process 14)", encoding: "jpeg-lossless" },
  { uid: "1.2.840.10008.1.2.4.58", name: "JPEG Lossless, Non-Hierarchical (Process 15) (retired)", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.59", name: "JPEG Extended, Hierarchical (Process 16 and 18) (retired)", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.60", name: "JPEG Extended, Hierarchical (Process 17 and 19) (retired)", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.61", name: "JPEG Spectral Selection, Hierarchical (Process 20 and 22) (retired)", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.62", name: "JPEG Spectral Selection, Hierarchical (Process 21 and 23) (retired)", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.63", name: "JPEG Full Progression, Hierarchical (Process 24 and 26) (retired)", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.64", name: "JPEG Full Progression, Hierarchical (Process 25 and 27) (retired)", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.65", name: "JPEG Lossless, Hierarchical (Process 28) (retired)", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.66", name: "JPEG Lossless, Hierarchical (Process 29) (retired)", encoding: "unsupported" },
  {
    uid: "1.2.840.10008.1.2.4.70",
    name: "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])",
    encoding: "jpeg-lossless",
  },
  { uid: "1.2.840.10008.1.2.4.80", name: "JPEG-LS Lossless Image Compression", encoding: "jpeg-ls" },
  { uid: "1.2.840.10008.1.2.4.81", name: "JPEG-LS Lossy (Near-Lossless) Image Compression", encoding: "jpeg-ls" },
  { uid: "1.2.840.10008.1.2.4.90", name: "JPEG 2000 Image Compression (Lossless Only)", encoding: "jpeg-2000" },
  { uid: "1.2.840.10008.1.2.4.91", name: "JPEG 2000 Image Compression", encoding: "jpeg-2000" },
  { uid: "1.2.840.10008.1.2.4.92", name: "JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.93", name: "JPEG 2000 Part 2 Multi-component Image Compression", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.94", name: "JPIP Referenced", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.95", name: "JPIP Referenced Deflate", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.100", name: "MPEG2 Main Profile / Main Level", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.101", name: "MPEG2 Main Profile / High Level", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.102", name: "MPEG-4 AVC/H.264 High Profile / Level 4.1", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.103", name: "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.104", name: "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.105", name: "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.106", name: "MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.107", name: "HEVC/H.265 Main Profile / Level 5.1", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.108", name: "HEVC/H.265 Main 10 Profile / Level 5.1", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.110", name: "JPEG XL Lossless", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.111", name: "JPEG XL JPEG Recompression", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.112", name: "JPEG XL", encoding: "unsupported" },
  // The OpenJPEG build may read HTJ2K, but nothing here tests it, so it is refused rather than guessed at.
  { uid: "1.2.840.10008.1.2.4.201", name: "High-Throughput JPEG 2000 Image Compression (Lossless Only)", encoding: "unsupported" },
  {
    uid: "1.2.840.10008.1.2.4.202",
    name: "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)",
    encoding: "unsupported",
  },
  { uid: "1.2.840.10008.1.2.4.203", name: "High-Throughput JPEG 2000 Image Compression", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.204", name: "JPIP HTJ2K Referenced", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.4.205", name: "JPIP HTJ2K Referenced Deflate", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.5", name: "RLE Lossless", encoding: "rle" },
  { uid: "1.2.840.10008.1.2.6.1", name: "RFC 2557 MIME encapsulation (retired)", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.6.2", name: "XML Encoding (retired)", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.7.1", name: "SMPTE ST 2110-20 Uncompressed Progressive Active Video", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.7.2", name: "SMPTE ST 2110-20 Uncompressed Interlaced Active Video", encoding: "unsupported" },
  { uid: "1.2.840.10008.1.2.7.3", name: "SMPTE ST 2110-30 PCM Digital Audio", encoding: "unsupported" },
];

const BY_UID = new Map(SYNTAXES.map((s) => [s.uid, s]));

export const DEFLATED_EXPLICIT_LE = "1.2.840.10008.1.2.1.99";

/** The syntax for a UID; unknown UIDs are kept (named as unknown) so the error can quote them. */
export function lookupTransferSyntax(uid: string): TransferSyntax {
  return BY_UID.get(uid) ?? { uid, name: "an unknown transfer syntax", encoding: "unsupported" };
}

export function listTransferSyntaxes(): readonly TransferSyntax[] {
  return SYNTAXES;
}
