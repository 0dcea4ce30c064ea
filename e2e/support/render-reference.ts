// What lib/dicom/render.ts (the preview's, the thumbnails' and the reference tests' renderer) makes
// of DICOM files, at each file's own display and at windows of the given widths around the viewer's
// opening centre. Started once per run by the e2e global setup (e2e/support/viewer-references.ts) in
// its own Node (the Playwright runner's module loader cannot load dicom-parser).
// Usage: render-reference.ts <out dir> <width,width,...> <file>...
// Writes, per file, <name>-default.bin and <name>-<width>.bin (one byte per pixel for grayscale, three
// for colour), then <name>.json ({ gray, center }) once those are complete, or <name>.error.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createCornerstoneImage, windowVoi } from "@/lib/dicom/cornerstone-image";
import { decodeDicomFile } from "@/lib/dicom/decode-file";
import { renderToRgba, type RenderOptions } from "@/lib/dicom/render";

const [outDir, widthList, ...files] = process.argv.slice(2);
const widths = widthList!.split(",").map(Number);
mkdirSync(outDir!, { recursive: true });

/** Written under a temporary name and renamed: a reader never sees half a file. */
function publish(name: string, bytes: Uint8Array | string) {
  const to = path.join(outDir!, name);
  writeFileSync(`${to}.part`, bytes);
  renameSync(`${to}.part`, to);
}

async function render(file: string) {
  const base = path.basename(file);
  const { info, frame } = await decodeDicomFile(new Uint8Array(readFileSync(file)));
  const gray = frame.kind === "grayscale";
  const center = createCornerstoneImage("reference", info, frame).windowCenter;
  const write = (name: string, options: RenderOptions) => {
    const rgba = renderToRgba(info, frame, options);
    const channels = gray ? 1 : 3;
    const bytes = new Uint8Array((rgba.length / 4) * channels);
    for (let i = 0, j = 0; j < bytes.length; i += 4) for (let c = 0; c < channels; c++) bytes[j++] = rgba[i + c]!;
    publish(`${base}-${name}.bin`, bytes);
  };
  write("default", {});
  // DICOM's VOI applies to grayscale only.
  if (gray) for (const w of widths) write(String(w), { windowCenter: center, windowWidth: w, voiLutFunction: windowVoi(info, center, w).fn });
  publish(`${base}.json`, JSON.stringify({ gray, center }));
}

for (const file of files) {
  await render(file).catch((e: unknown) => publish(`${path.basename(file)}.error`, e instanceof Error ? (e.stack ?? e.message) : String(e)));
}
