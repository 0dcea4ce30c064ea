import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as jpegJs from "jpeg-js";
import { runImportCli } from "@/scripts/lib/run-import-cli";
import { miniCxrFiles, miniJpgFiles, miniStudies, writeMini } from "@/tests/mimic/mini-mimic";

// The datasets the e2e suite browses: the hand-made mini copies (their every value is known), imported
// through the real CLI into the e2e database before any test runs.
export const E2E_JPG = { slug: "mimic-cxr-jpg", version: "2.0.0" } as const;
export const E2E_CXR = { slug: "mimic-cxr", version: "2.0.0" } as const;

// Images in lab storage for the viewer: the second mini study (PA + lateral) holds real public test
// DICOMs in MIMIC-CXR and a generated gradient JPG in MIMIC-CXR-JPG. Everything else is metadata only.
const viewerStudy = miniStudies()[1]!;
const studyFolder = `files/p${String(viewerStudy.subject).slice(0, 2)}/p${viewerStudy.subject}/s${viewerStudy.study}`;
export const E2E_VIEWER = {
  study: viewerStudy.study,
  dicom: [
    { dicomId: viewerStudy.images[0]!.dicom, fixture: "cr-mono1-10bit-implicit-le.dcm" },
    { dicomId: viewerStudy.images[1]!.dicom, fixture: "mr-mono2-12bit-explicit-le.dcm" },
  ],
  jpg: { dicomId: viewerStudy.images[0]!.dicom, width: 256, height: 128 },
} as const;

function gradientJpeg(width: number, height: number): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    data.fill(i % width, i * 4, i * 4 + 3);
    data[i * 4 + 3] = 255;
  }
  return jpegJs.encode({ data, width, height }, 95).data;
}

export default async function importE2eDatasets(): Promise<() => void> {
  const root = mkdtempSync(path.join(tmpdir(), "labgate-e2e-data-"));
  try {
    const dicomBytes = Object.fromEntries(E2E_VIEWER.dicom.map((d) => [`${studyFolder}/${d.dicomId}.dcm`, readFileSync(path.join("tests/fixtures/dicom", d.fixture))]));
    const jpgPath = `${studyFolder}/${E2E_VIEWER.jpg.dicomId}.jpg`;
    const jpg = writeMini(path.join(root, "jpg"), miniJpgFiles(), { localImages: [jpgPath], imageBytes: { [jpgPath]: gradientJpeg(E2E_VIEWER.jpg.width, E2E_VIEWER.jpg.height) } });
    const cxr = writeMini(path.join(root, "cxr"), await miniCxrFiles(), { localImages: Object.keys(dicomBytes), imageBytes: dicomBytes });
    for (const [dir, ds] of [[jpg, E2E_JPG], [cxr, E2E_CXR]] as const) {
      const r = runImportCli({ dir, slug: ds.slug, version: ds.version, quiet: true });
      if (!r.ok) throw new Error(`e2e: importing ${ds.slug} ${ds.version} failed:\n${r.output}`);
    }
  } catch (e) {
    rmSync(root, { recursive: true, force: true });
    throw e;
  }
  // The image files must outlive the import (the image route reads them); removed after the run.
  return () => rmSync(root, { recursive: true, force: true });
}
