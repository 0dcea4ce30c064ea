// The reference values shipped with the DICOM test files (see tests/fixtures/dicom/README.md).
import fs from "node:fs";
import path from "node:path";

export const FIXTURES = path.resolve(import.meta.dirname, "../../fixtures/dicom");
/** The full collection outside the repository; checks that need it skip when it is absent. */
export const SHARED = path.resolve(import.meta.dirname, "../../../../shared/dicom");

export type ImageReference = {
  file: string;
  transfer_syntax: string;
  transfer_syntax_name: string;
  photometric: string;
  rows: number;
  columns: number;
  bits_stored: number;
  pixel_representation: 0 | 1;
  display: string;
  modality_min?: number;
  modality_max?: number;
  modality_mean?: number;
  display_mean?: number;
  grid_rows?: number[];
  grid_cols?: number[];
  grid?: number[][];
  reference_png: string;
};
export type ErrorReference = { file: string; expect: "error"; reason: string };
export type Reference = ImageReference | ErrorReference;

export function readReferences(): Reference[] {
  return fs
    .readFileSync(path.join(FIXTURES, "references.jsonl"), "utf8")
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Reference);
}

/** The fixture copy if the repository keeps one, else the shared copy, else null. */
export function locate(relative: string): string | null {
  for (const dir of [FIXTURES, SHARED]) {
    const p = path.join(dir, relative);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

export function readBytes(file: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(file));
}
