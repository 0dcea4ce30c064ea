import { createHash } from "node:crypto";
import jpeg from "jpeg-js";
import { chestPixels } from "./chest-pixels";
import type { SynthStudy } from "./cohort";
import type { SynthImage } from "./acquisition";
import { writeDicom } from "./dicom-writer";

/**
 * The small real image files `--images` writes: a 64×64 DICOM for MIMIC-CXR, a 64×64 JPEG for
 * MIMIC-CXR-JPG. The CSVs keep the real-size Rows/Columns; these files are for the viewer's sake.
 */
export const SYNTH_IMAGE_SIZE = 64;

/** A stable 2.25.<decimal> UID (the UUID-derived root) from any text. */
export function uidFor(text: string): string {
  return `2.25.${BigInt(`0x${createHash("sha256").update(text).digest("hex").slice(0, 32)}`).toString()}`;
}

const isLateral = (view: string) => view === "LATERAL" || view === "LL" || view.includes("LATERAL") || view === "SWIMMERS";

export function imageFile(opts: { project: "mimic-cxr" | "mimic-cxr-jpg"; seed: number; study: SynthStudy; image: SynthImage }): Buffer {
  const { study, image } = opts;
  const size = SYNTH_IMAGE_SIZE;
  const picture = chestPixels({ width: size, height: size, lateral: isLateral(image.view), seed: [opts.seed, study.studyId, parseInt(image.dicomId.slice(0, 8), 16)] });
  if (opts.project === "mimic-cxr-jpg") {
    const rgba = Buffer.alloc(size * size * 4);
    picture.forEach((v, i) => {
      const g = Math.round(v * 255);
      rgba[i * 4] = g;
      rgba[i * 4 + 1] = g;
      rgba[i * 4 + 2] = g;
      rgba[i * 4 + 3] = 255;
    });
    return jpeg.encode({ data: rgba, width: size, height: size }, 90).data;
  }
  const [whole = "0", frac = ""] = study.studyTime.split(".");
  return writeDicom({
    patientId: String(study.subjectId),
    studyId: String(study.studyId),
    studyInstanceUid: uidFor(`study ${opts.seed} ${study.studyId}`),
    seriesInstanceUid: uidFor(`series ${opts.seed} ${image.dicomId}`),
    sopInstanceUid: uidFor(`instance ${opts.seed} ${image.dicomId}`),
    studyDate: study.studyDate,
    studyTime: `${whole.padStart(6, "0")}.${frac}`,
    viewPosition: image.view,
    rows: size,
    columns: size,
    pixels: Uint16Array.from(picture, (v) => Math.round(v * 4095)),
    windowCenter: 2048,
    windowWidth: 4096,
  });
}
