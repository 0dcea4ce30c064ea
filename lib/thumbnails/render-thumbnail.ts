import "server-only";
import { readFile } from "node:fs/promises";
import sharp, { type Sharp } from "sharp";
import { decodePixels } from "@/lib/dicom/decode";
import { describeThrown, isDicomError } from "@/lib/dicom/errors";
import { inflateRawNode } from "@/lib/dicom/inflate-node";
import { parseDicom } from "@/lib/dicom/parse";
import { renderToRgba, type RenderOptions } from "@/lib/dicom/render";
import type { DecodedFrame, DicomImageInfo } from "@/lib/dicom/types";
import type { ImageContentType } from "@/lib/mimic/images/locate-image";
import { configureServerCodecs } from "./server-codecs";

/** Longest edge of a thumbnail, in pixels: a grid tile is ~110 px tall, so this is sharp on 2× screens. */
export const THUMBNAIL_SIZE = 256;

/**
 * A small JPEG of one image file: DICOM is decoded and windowed as the viewer first shows it (the
 * header's window, VOI LUT or full range; MONOCHROME1 inverted), JPG files are scaled as they are.
 * Throws UnreadableImageError when the bytes cannot be decoded; file system errors pass through.
 */
export async function renderThumbnail(opts: { filePath: string; contentType: ImageContentType }): Promise<Buffer> {
  const bytes = await readFile(/*turbopackIgnore: true*/ opts.filePath);
  try {
    const input = opts.contentType === "image/jpeg" ? sharp(bytes) : await dicomToSharp(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return await input
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: "inside", withoutEnlargement: true })
      .jpeg({ quality: 80, mozjpeg: true })
      .toBuffer();
  } catch (e) {
    throw new UnreadableImageError(isDicomError(e) ? e.message : `The image file could not be decoded (${describeThrown(e).split("\n")[0]}).`, { cause: e });
  }
}

/** The file was read but is not an image this server can decode (corrupt, truncated, unsupported). */
export class UnreadableImageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UnreadableImageError";
  }
}

async function dicomToSharp(bytes: Uint8Array): Promise<Sharp> {
  configureServerCodecs();
  const info = parseDicom(bytes, { inflateRaw: inflateRawNode });
  return renderedFrame(info, await decodePixels(info, 0));
}

/** A decoded frame as the viewer shows it (renderToRgba; the first picture without options), handed to sharp as gray or RGB pixels. */
export function renderedFrame(info: DicomImageInfo, frame: DecodedFrame, options: RenderOptions = {}): Sharp {
  const rgba = renderToRgba(info, frame, options);
  const count = frame.rows * frame.columns;
  const channels = frame.kind === "rgb" ? 3 : 1;
  // Drop the channels renderToRgba repeats (gray) or pads (alpha) before handing the pixels over.
  const packed = Buffer.allocUnsafe(count * channels);
  for (let i = 0, j = 0; i < count; i++, j += 4) {
    packed[i * channels] = rgba[j]!;
    if (channels === 3) {
      packed[i * 3 + 1] = rgba[j + 1]!;
      packed[i * 3 + 2] = rgba[j + 2]!;
    }
  }
  return sharp(packed, { raw: { width: frame.columns, height: frame.rows, channels } });
}
