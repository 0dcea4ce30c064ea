// Which of a study's images a viewport opens with. Shared by the study page (server), which starts
// fetching that image before the page's scripts run, and the viewer (client), which shows it.
import type { StudyImage } from "@/lib/mimic/browse/get-study";
import { reductionFor } from "@/lib/dicom/reduce-dicom";

const FRONTAL = new Set(["PA", "AP"]);

/** A frontal view first (or, beside one, a lateral), else the next image in lab storage. */
export function pickImage(local: StudyImage[], besides: string | null): string | null {
  const others = local.filter((i) => i.presentLocally && i.dicomId !== besides);
  const preferred = besides === null ? others.find((i) => FRONTAL.has(i.viewPosition ?? "")) : others.find((i) => !FRONTAL.has(i.viewPosition ?? ""));
  return (preferred ?? others[0])?.dicomId ?? null;
}

/** The largest the viewer's image box gets (CSS pixels): image-viewer.tsx lays it out at this size. */
export const VIEWPORT_MAX = { width: 768, height: 512 } as const;

/**
 * The picture of an image that the viewer shows first: the image route's `?fit=`, a PNG of the file
 * reduced so that, fitted into the largest viewport, there is still one stored pixel per screen
 * pixel, and windowed as the viewer opens it. Null for JPG files (they are small) and for DICOMs
 * whose imported size says they already fit.
 */
export function previewUrl(src: string, image: Pick<StudyImage, "path" | "rows" | "columns">): string | null {
  if (!image.path.toLowerCase().endsWith(".dcm")) return null;
  if (image.rows && image.columns && reductionFor(Math.min(VIEWPORT_MAX.width / image.columns, VIEWPORT_MAX.height / image.rows)) < 2) return null;
  return `${src}?fit=${VIEWPORT_MAX.width}x${VIEWPORT_MAX.height}`;
}
