// The display table for a window chosen in the viewer (drag, preset, typed values): cornerstone draws
// every window through lib/dicom's own formula (see lib/dicom/cornerstone-image.ts), never its own.
import { displayLut, windowVoi, type CornerstoneLut } from "@/lib/dicom/cornerstone-image";
import type { LabgateImage } from "./labgate-image-loader";

export function windowLut(image: LabgateImage, voi: { windowCenter: number; windowWidth: number }): CornerstoneLut | undefined {
  const { info, frame } = image.labgate;
  // Colour is shown as stored; a window on it is cornerstone's per-channel one.
  if (frame.kind !== "grayscale") return undefined;
  return displayLut(info, frame, windowVoi(info, voi.windowCenter, voi.windowWidth));
}
