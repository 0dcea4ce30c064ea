// DICOM Part 10 bytes → DicomImageInfo: everything the decoder, renderer and header panel need, read
// once with dicom-parser. Anything that would make a later step fail on a broken file fails here
// instead, with a DicomError the viewer can show.
import dicomParser from "./dicom-parser-module";
import type { DataSet, Element } from "dicom-parser";
import { loadDictionary } from "./dictionary";
import { DicomParseError, UnsupportedImageError, describeThrown, withHeader } from "./errors";
import { listHeaderElements, type HeaderElement } from "./header";
import { inflateRawWithStreams, type InflateRaw } from "./inflate";
import { readFrameTime } from "./frame-time";
import { readLookupTable, readLookupTableSequence } from "./read-lut";
import { readUint64s, withExtendedOffsetTableReadable } from "./sixty-four-bit-vrs";
import { DEFLATED_EXPLICIT_LE, lookupTransferSyntax } from "./transfer-syntax";
import type { DicomImageInfo, PixelDataRef, PixelSpacing, VoiLutFunction, WindowPreset } from "./types";

export type ParseOptions = {
  /** Needed only for Deflated Explicit VR Little Endian; parseDicomAsync supplies one itself. */
  inflateRaw?: InflateRaw;
};

const BIG_ENDIAN = "1.2.840.10008.1.2.2";
const PIXEL_DATA = "x7fe00010";

/** Synchronous parse. Deflated files need `options.inflateRaw` (e.g. inflateRawNode on the server). */
export function parseDicom(bytes: Uint8Array, options: ParseOptions = {}): DicomImageInfo {
  return readImageInfo(parseDataSet(bytes, options));
}

/** Parses any file, inflating deflated ones with DecompressionStream (browser, worker and Node). */
export async function parseDicomAsync(bytes: Uint8Array): Promise<DicomImageInfo> {
  return readImageInfo(await parseDataSetAsync(bytes));
}

/** parseDicomAsync plus the header's element list for the viewer's header panel. */
export async function parseDicomWithHeader(bytes: Uint8Array): Promise<{ info: DicomImageInfo; header: HeaderElement[] }> {
  // Fetched while the file parses; a dictionary that cannot be loaded costs the names, not the header.
  const dictionary = loadDictionary().catch(() => null);
  const dataSet = await parseDataSetAsync(bytes);
  const header = listHeaderElements(dataSet, await dictionary);
  try {
    return { info: readImageInfo(dataSet), header };
  } catch (e) {
    throw withHeader(e, header);
  }
}

function parseDataSet(bytes: Uint8Array, options: ParseOptions): DataSet {
  try {
    return dicomParser.parseDicom(withExtendedOffsetTableReadable(bytes), { inflater: makeInflater(options.inflateRaw) as never });
  } catch (e) {
    if (e instanceof DicomParseError) throw e;
    // dicom-parser says "buffer overrun" when an element's length runs past the last byte.
    if (/overrun/i.test(describeThrown(e))) throw truncated();
    throw new DicomParseError(`This is not a readable DICOM file (${describeThrown(e)}).`, { cause: e });
  }
}

async function parseDataSetAsync(bytes: Uint8Array): Promise<DataSet> {
  const headerEnd = findDeflatedDataSetStart(bytes);
  if (headerEnd === null) return parseDataSet(bytes, {});
  let inflated: Uint8Array;
  try {
    inflated = await inflateRawWithStreams(bytes.subarray(headerEnd));
  } catch (e) {
    throw new DicomParseError(`The deflated data set of this DICOM file is corrupt (${describeThrown(e)}).`, { cause: e });
  }
  return parseDataSet(bytes, { inflateRaw: () => inflated });
}

/** Where the deflated data set starts, or null when the file is not deflated. */
function findDeflatedDataSetStart(bytes: Uint8Array): number | null {
  let transferSyntax: string | undefined;
  try {
    transferSyntax = dicomParser.readPart10Header(bytes).string("x00020010");
  } catch (e) {
    throw new DicomParseError(`This is not a readable DICOM file (${describeThrown(e)}).`, { cause: e });
  }
  if (transferSyntax !== DEFLATED_EXPLICIT_LE) return null;
  let start: number | null = null;
  try {
    dicomParser.parseDicom(bytes, {
      inflater: ((_array: Uint8Array, position: number) => {
        start = position;
        throw new Error("header only");
      }) as never,
    });
  } catch {
    // expected: the inflater above stops the parse once the header is read
  }
  return start;
}

function makeInflater(inflateRaw: InflateRaw | undefined) {
  return (array: Uint8Array, position: number): Uint8Array => {
    if (!inflateRaw) {
      throw new DicomParseError(
        "This file uses Deflated Explicit VR Little Endian; parse it with parseDicomAsync or pass an inflater.",
      );
    }
    let inflated: Uint8Array;
    try {
      inflated = inflateRaw(array.subarray(position));
    } catch (e) {
      throw new DicomParseError(`The deflated data set of this DICOM file is corrupt (${describeThrown(e)}).`, { cause: e });
    }
    const full = new Uint8Array(position + inflated.length);
    full.set(array.subarray(0, position), 0);
    full.set(inflated, position);
    return full;
  };
}

function readImageInfo(ds: DataSet): DicomImageInfo {
  const transferSyntaxUID = ds.string("x00020010") ?? "1.2.840.10008.1.2";
  const syntax = lookupTransferSyntax(transferSyntaxUID);
  const rows = ds.uint16("x00280010") ?? 0;
  const columns = ds.uint16("x00280011") ?? 0;
  const bitsAllocated = ds.uint16("x00280100") ?? 0;
  if (!ds.elements[PIXEL_DATA]) {
    if (ds.elements.x7fe00008 || ds.elements.x7fe00009) {
      throw new UnsupportedImageError("This image holds floating-point pixel data, which the viewer does not display.");
    }
    throw new DicomParseError("This DICOM file has no pixel data (it is not an image, or it was cut short).");
  }
  if (rows === 0 || columns === 0 || bitsAllocated === 0) {
    throw new DicomParseError("This DICOM file does not say how large its image is (Rows, Columns or Bits Allocated missing).");
  }
  const samplesPerPixel = ds.uint16("x00280002") ?? 1;
  const bitsStored = ds.uint16("x00280101") ?? bitsAllocated;
  const pixelRepresentation = ds.uint16("x00280103") === 1 ? 1 : 0;
  const signed = pixelRepresentation === 1;
  const numberOfFrames = Math.max(1, ds.intString("x00280008") ?? 1);
  const modalityLut = readModalityLut(ds, signed);
  const voiLuts = readLookupTableSequence(ds, "x00283010", signed);

  const info: DicomImageInfo = {
    transferSyntaxUID,
    transferSyntaxName: syntax.name,
    sopClassUID: text(ds, "x00080016"),
    sopInstanceUID: text(ds, "x00080018"),
    studyInstanceUID: text(ds, "x0020000d"),
    seriesInstanceUID: text(ds, "x0020000e"),
    patientId: text(ds, "x00100020"),
    accessionNumber: text(ds, "x00080050"),
    modality: text(ds, "x00080060"),
    viewPosition: text(ds, "x00185101"),
    rows,
    columns,
    numberOfFrames,
    frameTime: numberOfFrames > 1 ? readFrameTime(ds) : null,
    samplesPerPixel,
    photometricInterpretation: text(ds, "x00280004")?.toUpperCase() ?? (samplesPerPixel === 3 ? "RGB" : "MONOCHROME2"),
    planarConfiguration: ds.uint16("x00280006") === 1 ? 1 : 0,
    bitsAllocated,
    bitsStored,
    highBit: ds.uint16("x00280102") ?? bitsStored - 1,
    pixelRepresentation,
    rescaleSlope: modalityLut ? 1 : finiteOr(ds.floatString("x00281053"), 1) || 1,
    rescaleIntercept: modalityLut ? 0 : finiteOr(ds.floatString("x00281052"), 0),
    rescaleType: text(ds, "x00281054"),
    modalityLut,
    windows: readWindows(ds),
    voiLutFunction: readVoiLutFunction(ds),
    voiLuts,
    pixelSpacing: readSpacing(ds, "x00280030"),
    imagerPixelSpacing: readSpacing(ds, "x00181164"),
    pixelPaddingValue: readPaddingValue(ds, signed),
    pixelData: null,
  };
  info.pixelData = readPixelDataRef(ds, info, transferSyntaxUID === BIG_ENDIAN);
  return info;
}

function text(ds: DataSet, tag: string): string | null {
  const value = ds.string(tag);
  return value === undefined || value === "" ? null : value;
}

function finiteOr(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) ? value : fallback;
}

function readModalityLut(ds: DataSet, signed: boolean) {
  const item = ds.elements.x00283000?.items?.[0]?.dataSet;
  return item ? readLookupTable(item, signed) : null;
}

/** Every centre/width pair; a width below 1 is not a window (PS3.3 C.11.2.1.2) and is skipped. */
function readWindows(ds: DataSet): WindowPreset[] {
  const count = Math.min(ds.numStringValues("x00281050") ?? 0, ds.numStringValues("x00281051") ?? 0);
  const windows: WindowPreset[] = [];
  for (let i = 0; i < count; i++) {
    const center = ds.floatString("x00281050", i);
    const width = ds.floatString("x00281051", i);
    if (center === undefined || width === undefined || !Number.isFinite(center) || !Number.isFinite(width) || width < 1) {
      continue;
    }
    windows.push({ center, width, explanation: ds.string("x00281055", i) || null });
  }
  return windows;
}

function readVoiLutFunction(ds: DataSet): VoiLutFunction {
  const value = ds.string("x00281056")?.toUpperCase();
  return value === "LINEAR_EXACT" || value === "SIGMOID" ? value : "LINEAR";
}

function readSpacing(ds: DataSet, tag: string): PixelSpacing | null {
  const row = ds.floatString(tag, 0);
  const column = ds.floatString(tag, 1);
  if (row === undefined || column === undefined || !(row > 0) || !(column > 0)) return null;
  return { row, column };
}

function readPaddingValue(ds: DataSet, signed: boolean): number | null {
  if (!ds.elements.x00280120) return null;
  return (signed ? ds.int16("x00280120") : ds.uint16("x00280120")) ?? null;
}

function readPixelDataRef(ds: DataSet, info: DicomImageInfo, bigEndian: boolean): PixelDataRef {
  const element = ds.elements[PIXEL_DATA] as Element;
  const bytes = ds.byteArray as Uint8Array;
  if (element.encapsulatedPixelData) {
    if (ds.warnings.some((w) => w.includes(PIXEL_DATA))) {
      throw truncated();
    }
    return { encapsulated: true, frames: splitFrames(bytes, element, info.numberOfFrames, extendedOffsetTable(ds)) };
  }
  const encoding = lookupTransferSyntax(info.transferSyntaxUID).encoding;
  // Unsupported syntaxes are let through so decodePixels can name them in its error.
  if (encoding !== "native" && encoding !== "native-big-endian" && encoding !== "unsupported") {
    throw new DicomParseError(`The pixel data of this ${info.transferSyntaxName} file is not encapsulated as that syntax requires.`);
  }
  const expected = Math.ceil((info.rows * info.columns * info.samplesPerPixel * info.bitsAllocated * info.numberOfFrames) / 8);
  if (element.length < expected || element.dataOffset + expected > bytes.length) throw truncated();
  return { encapsulated: false, bytes: bytes.subarray(element.dataOffset, element.dataOffset + expected), bigEndian };
}

function truncated() {
  return new DicomParseError("This DICOM file ends before its pixel data is complete; the file is truncated or damaged.");
}

/** The Extended Offset Table's frame offsets (same origin as the Basic Offset Table's), if any. */
function extendedOffsetTable(ds: DataSet): number[] {
  const e = ds.elements.x7fe00001;
  return e && e.length % 8 === 0 ? readUint64s(ds.byteArray as Uint8Array, e.dataOffset, e.length) : [];
}

/**
 * Groups fragments into frames: by the Basic or else the Extended Offset Table, one per frame, or by
 * codestream start markers. A frame may span several fragments, and any frame may end in padding.
 */
function splitFrames(bytes: Uint8Array, element: Element, numberOfFrames: number, extended: number[]): Uint8Array[][] {
  const fragments = element.fragments ?? [];
  if (fragments.length === 0) throw truncated();
  for (const f of fragments) {
    if (f.position + f.length > bytes.length) throw truncated();
  }
  const view = (f: (typeof fragments)[number]) => bytes.subarray(f.position, f.position + f.length);
  if (numberOfFrames === 1) return [fragments.map(view)];
  const basic = element.basicOffsetTable ?? [];
  const table = basic.length === numberOfFrames ? basic : extended;
  if (table.length === numberOfFrames) {
    return table.map((start, i) => {
      const end = table[i + 1] ?? Infinity;
      return fragments.filter((f) => f.offset >= start && f.offset < end).map(view);
    });
  }
  if (fragments.length === numberOfFrames) return fragments.map((f) => [view(f)]);
  const frames: Uint8Array[][] = [];
  for (const f of fragments) {
    const b = view(f);
    const startsCodestream = b[0] === 0xff && (b[1] === 0xd8 || b[1] === 0x4f);
    if (startsCodestream || frames.length === 0) frames.push([b]);
    else frames[frames.length - 1]!.push(b);
  }
  if (frames.length !== numberOfFrames) {
    throw new DicomParseError(
      `This file says it has ${numberOfFrames} frames but its compressed pixel data could not be split into them.`,
    );
  }
  return frames;
}
