// cornerstone's image loader for `labgate:<same-origin image route>` ids. It fetches the bytes from
// the authenticated image route (never from a cache: each view is a new, audited, access-checked
// request), decodes them in a worker (DICOM, decode-client.ts) or with the browser's own decoder
// (JPG), and hands cornerstone an image that also carries the parsed header and stored pixels for the
// viewer's tools.
import { createCornerstoneImage, type CornerstoneImage } from "@/lib/dicom/cornerstone-image";
import type { HeaderElement } from "@/lib/dicom/header";
import type { DecodedFrame, DicomImageInfo } from "@/lib/dicom/types";
import type { OpeningFrame } from "@/lib/dicom/decode-opening";
import { decodeDicom, startDecoders, type DecodedIn } from "./decode-client";
import { isLabgateImageUrl, takeImageFetch } from "./image-fetch";

export const LABGATE_SCHEME = "labgate";

export type LabgateImage = CornerstoneImage & {
  labgate: {
    info: DicomImageInfo;
    /** The frame this image shows; frames: every decoded frame of the file (one for most files). */
    frame: DecodedFrame;
    frames: DecodedFrame[];
    frameIndex: number;
    /** The DICOM header's elements; null for JPG files, which have none. */
    header: HeaderElement[] | null;
    source: "dicom" | "jpeg";
    decodedIn: DecodedIn | "browser";
  };
};

/** The route refused or could not serve the image; its JSON message is meant for the viewer's user. */
export class ImageFetchError extends Error {
  constructor(
    public readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ImageFetchError";
  }
}

export function imageIdFor(url: string): string {
  return `${LABGATE_SCHEME}:${url}`;
}

export function loadLabgateImage(imageId: string): { promise: Promise<LabgateImage> } {
  return { promise: load(imageId) };
}

type OpeningWish = { box: { width: number; height: number }; onImage: (image: LabgateImage, factor: number) => void };
const openingWishes = new Map<string, OpeningWish>();

/**
 * Asks the next load of `imageId` for a stand-in: if the file is JPEG 2000, its lower-resolution
 * picture fitted into `box` (CSS pixels), as a cornerstone image `factor` times smaller per side,
 * handed to `onImage` while the full image is still being decoded. Call just before loadImage.
 */
export function requestOpening(imageId: string, box: OpeningWish["box"], onImage: OpeningWish["onImage"]): void {
  openingWishes.set(imageId, { box, onImage });
}

function openingImage(imageId: string, opening: OpeningFrame): LabgateImage {
  const { info, frame } = opening;
  // Only ever drawn: the tools wait for the full image, whose labgate data replaces this.
  const labgate = { info, frame, frames: [frame], frameIndex: 0, header: null, source: "dicom" as const, decodedIn: "worker" as const };
  return Object.assign(createCornerstoneImage(`${imageId}#opening-1/${opening.factor}`, info, frame), { labgate });
}

async function load(imageId: string): Promise<LabgateImage> {
  startDecoders();
  const url = imageId.slice(LABGATE_SCHEME.length + 1);
  if (!isLabgateImageUrl(url)) throw new Error(`Not a labgate image: ${imageId}`);
  const wish = openingWishes.get(imageId);
  openingWishes.delete(imageId);
  const res = await takeImageFetch(url);
  if (!res.ok) throw new ImageFetchError(res.status, await refusalMessage(res));
  const type = res.headers.get("content-type") ?? "";
  if (type.startsWith("image/jpeg")) return fromJpeg(imageId, await res.blob());
  const bytes = await res.arrayBuffer();
  const opening = wish && { box: wish.box, onFrame: (o: OpeningFrame) => wish.onImage(openingImage(imageId, o), o.factor) };
  const { decoded, decodedIn } = await decodeDicom(bytes, opening);
  // For the benchmark's breakdown of the time to the full image.
  performance.mark("labgate:image-decoded", { detail: url });
  const { info, frame, frames, header } = decoded;
  return Object.assign(createCornerstoneImage(imageId, info, frame), { labgate: { info, frame, frames, frameIndex: 0, header, source: "dicom" as const, decodedIn } });
}

async function refusalMessage(res: Response): Promise<string> {
  const body = (await res.json().catch(() => null)) as { error?: unknown } | null;
  if (body && typeof body.error === "string") return body.error;
  // 401 and 403 come from the auth chokepoint, which answers without a body.
  if (res.status === 401) return "Your session has ended; sign in again to see this image.";
  if (res.status === 403) return "You do not have access to this dataset version (any more), so its images cannot be shown.";
  return `The image could not be fetched (HTTP ${res.status}).`;
}

/** MIMIC-CXR-JPG files are 8-bit grayscale JPEGs; they get the same windowing tools as DICOM. */
async function fromJpeg(imageId: string, blob: Blob): Promise<LabgateImage> {
  let bitmap: ImageBitmap;
  try {
    // No colour management: the stored gray levels are the data.
    bitmap = await createImageBitmap(blob, { colorSpaceConversion: "none", premultiplyAlpha: "none" });
  } catch {
    throw new Error("This JPG file is damaged or not a JPEG image, so it cannot be shown.");
  }
  const canvas = document.createElement("canvas");
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const rgba = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  const count = canvas.width * canvas.height;
  let gray = true;
  for (let j = 0; j < rgba.length && gray; j += 4) gray = rgba[j] === rgba[j + 1] && rgba[j] === rgba[j + 2];
  let frame: DecodedFrame;
  if (gray) {
    const pixels = new Uint8Array(count);
    let min = 255;
    let max = 0;
    for (let i = 0; i < count; i++) {
      const v = rgba[i * 4]!;
      pixels[i] = v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    frame = { kind: "grayscale", rows: canvas.height, columns: canvas.width, pixels, minStored: min, maxStored: max };
  } else {
    const pixels = new Uint8Array(count * 3);
    for (let i = 0; i < count; i++) pixels.set(rgba.subarray(i * 4, i * 4 + 3), i * 3);
    frame = { kind: "rgb", rows: canvas.height, columns: canvas.width, pixels };
  }
  const info = jpegInfo(frame);
  return Object.assign(createCornerstoneImage(imageId, info, frame), { labgate: { info, frame, frames: [frame], frameIndex: 0, header: null, source: "jpeg" as const, decodedIn: "browser" as const } });
}

function jpegInfo(frame: DecodedFrame): DicomImageInfo {
  const color = frame.kind === "rgb";
  return {
    transferSyntaxUID: "",
    transferSyntaxName: "JPEG file",
    sopClassUID: null,
    sopInstanceUID: null,
    studyInstanceUID: null,
    seriesInstanceUID: null,
    patientId: null,
    accessionNumber: null,
    modality: null,
    viewPosition: null,
    rows: frame.rows,
    columns: frame.columns,
    numberOfFrames: 1,
    frameTime: null,
    samplesPerPixel: color ? 3 : 1,
    photometricInterpretation: color ? "RGB" : "MONOCHROME2",
    planarConfiguration: 0,
    bitsAllocated: 8,
    bitsStored: 8,
    highBit: 7,
    pixelRepresentation: 0,
    rescaleSlope: 1,
    rescaleIntercept: 0,
    rescaleType: null,
    modalityLut: null,
    windows: [],
    voiLutFunction: "LINEAR",
    voiLuts: [],
    pixelSpacing: null,
    imagerPixelSpacing: null,
    pixelPaddingValue: null,
    pixelData: null,
  };
}
