// A smaller copy of an uncompressed single-frame grayscale DICOM for the viewer's preview picture
// (lib/thumbnails/render-preview.ts renders it): the same header bytes (so the same photometric
// interpretation, rescale, windows and VOI LUT), Rows and Columns divided by f, and every f-th
// stored pixel of every f-th row. A 2544×3056 radiograph at f = 4 keeps 636×764 pixels of 7.8 million.
import type { DataSet } from "dicom-parser";
import dicomParser from "./dicom-parser-module";

const MAX_FACTOR = 8;

/** The largest power of two f ≤ 8 with `scale` × f ≤ 1 (screen pixels per stored pixel of the copy); 1 for none. */
export function reductionFor(scale: number): number {
  let f = 1;
  while (f * 2 <= MAX_FACTOR && scale * f * 2 <= 1) f *= 2;
  return f;
}

const REDUCIBLE_SYNTAXES = new Set(["1.2.840.10008.1.2", "1.2.840.10008.1.2.1"]); // implicit / explicit VR little endian
export type ReductionFactor = 2 | 4 | 8;

/**
 * The copy for a viewport of at most `box` screen pixels: the largest factor that still leaves one
 * stored pixel per screen pixel when fitted. Null when the file cannot be reduced, or is too small
 * for a copy to save anything.
 */
export function reduceDicomToFit(bytes: Uint8Array, box: { width: number; height: number }): { bytes: Uint8Array<ArrayBuffer>; factor: ReductionFactor } | null {
  const parsed = reducible(bytes);
  if (!parsed) return null;
  const factor = reductionFor(Math.min(box.width / parsed.columns, box.height / parsed.rows));
  if (factor < 2) return null;
  return { bytes: reduce(bytes, parsed, factor as ReductionFactor), factor: factor as ReductionFactor };
}

/** The reduced file, or null when this file is not one that can be reduced this way. */
export function reduceDicom(bytes: Uint8Array, f: ReductionFactor): Uint8Array<ArrayBuffer> | null {
  const parsed = reducible(bytes);
  return parsed ? reduce(bytes, parsed, f) : null;
}

/**
 * From the first bytes of a file (its Part 10 meta header): false when its transfer syntax is not one
 * a copy can be cut from (compressed, big-endian, deflated), so the preview can be refused without
 * reading the whole file or waiting behind other renders; null when those bytes cannot tell.
 */
export function reducibleSyntax(prefix: Uint8Array): boolean | null {
  try {
    const meta = dicomParser.readPart10Header(prefix);
    const syntax = meta.string("x00020010")?.replace(/\0/g, "").trim();
    return syntax ? REDUCIBLE_SYNTAXES.has(syntax) : null;
  } catch {
    return null;
  }
}

type Reducible = { rows: number; columns: number; bytesPerPixel: number; rowsAt: number; columnsAt: number; pixelsAt: number };

function reducible(bytes: Uint8Array): Reducible | null {
  let ds: DataSet;
  try {
    ds = dicomParser.parseDicom(bytes);
  } catch {
    return null;
  }
  const syntax = ds.string("x00020010")?.replace(/\0/g, "").trim();
  const rowsEl = ds.elements.x00280010;
  const colsEl = ds.elements.x00280011;
  const pixelEl = ds.elements.x7fe00010;
  const bitsAllocated = ds.uint16("x00280100");
  const frames = Number(ds.string("x00280008") ?? "1");
  if (!syntax || !REDUCIBLE_SYNTAXES.has(syntax) || !rowsEl || !colsEl || !pixelEl || pixelEl.encapsulatedPixelData) return null;
  if ((ds.uint16("x00280002") ?? 1) !== 1 || (bitsAllocated !== 8 && bitsAllocated !== 16) || frames !== 1) return null;
  const rows = ds.uint16("x00280010")!;
  const columns = ds.uint16("x00280011")!;
  const bytesPerPixel = bitsAllocated / 8;
  if (pixelEl.length < rows * columns * bytesPerPixel || pixelEl.dataOffset + pixelEl.length > bytes.length) return null;
  return { rows, columns, bytesPerPixel, rowsAt: rowsEl.dataOffset, columnsAt: colsEl.dataOffset, pixelsAt: pixelEl.dataOffset };
}

function reduce(bytes: Uint8Array, { rows, columns, bytesPerPixel, rowsAt, columnsAt, pixelsAt }: Reducible, f: ReductionFactor): Uint8Array<ArrayBuffer> {
  const outRows = Math.max(1, Math.floor(rows / f));
  const outColumns = Math.max(1, Math.floor(columns / f));

  // Pixel data is padded to an even length, as every DICOM value must be.
  const pixelBytes = outRows * outColumns * bytesPerPixel;
  const paddedLength = pixelBytes + (pixelBytes % 2);
  const out = new Uint8Array(pixelsAt + paddedLength);
  out.set(bytes.subarray(0, pixelsAt));
  const view = new DataView(out.buffer);
  view.setUint16(rowsAt, outRows, true);
  view.setUint16(columnsAt, outColumns, true);
  // The Pixel Data element's 32-bit length sits just before its value, implicit or explicit VR.
  view.setUint32(pixelsAt - 4, paddedLength, true);

  // The centre of each f×f block, as the viewer's own reduced copy takes it (reduced-image.ts).
  const half = f >> 1;
  let o = pixelsAt;
  for (let y = 0; y < outRows; y++) {
    let from = pixelsAt + ((y * f + half) * columns + half) * bytesPerPixel;
    for (let x = 0; x < outColumns; x++, from += f * bytesPerPixel) {
      out[o++] = bytes[from]!;
      if (bytesPerPixel === 2) out[o++] = bytes[from + 1]!;
    }
  }
  return out;
}
