// What lib/dicom/render.ts (the preview's, the thumbnails' and the reference tests' renderer) makes
// of a DICOM file, at its own display and at windows of the given widths around the viewer's opening
// centre. Run by e2e/viewer-files.spec.ts in its own Node (the Playwright runner's module loader
// cannot load dicom-parser); writes <out>-default.bin and <out>-<width>.bin (one byte per pixel for
// grayscale, three for colour) and prints { gray, center }.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createCornerstoneImage, windowVoi } from "@/lib/dicom/cornerstone-image";
import { decodeDicomFile } from "@/lib/dicom/decode-file";
import { renderToRgba, type RenderOptions } from "@/lib/dicom/render";

const [file, out, ...widths] = process.argv.slice(2);
mkdirSync(path.dirname(out!), { recursive: true });
const { info, frame } = await decodeDicomFile(new Uint8Array(readFileSync(file!)));
const gray = frame.kind === "grayscale";
const center = createCornerstoneImage("reference", info, frame).windowCenter;

function write(name: string, options: RenderOptions) {
  const rgba = renderToRgba(info, frame, options);
  const channels = gray ? 1 : 3;
  const bytes = new Uint8Array((rgba.length / 4) * channels);
  for (let i = 0, j = 0; j < bytes.length; i += 4) for (let c = 0; c < channels; c++) bytes[j++] = rgba[i + c]!;
  writeFileSync(`${out}-${name}.bin`, bytes);
}

write("default", {});
// DICOM's VOI applies to grayscale only.
if (gray) for (const w of widths.map(Number)) write(String(w), { windowCenter: center, windowWidth: w, voiLutFunction: windowVoi(info, center, w).fn });
process.stdout.write(JSON.stringify({ gray, center }));
