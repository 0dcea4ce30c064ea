import { isStorageKey } from "@/lib/storage/file-storage";

// What a manifest path is, for selections: top-level metadata and labels, a study's report or image,
// or something else. MIMIC's layout: files/p1X/p1XXXXXXX/s5XXXXXXX/<dicom_id>.dcm|.jpg and
// files/p1X/p1XXXXXXX/s5XXXXXXX.txt (shared/design/mimic-cxr.md).

export type FileCategory = "metadata" | "report" | "image" | "other";

const STUDY = /^files\/p\d{2}\/p\d+\/s(\d+)(?:\/|\.txt$)/;
const REPORT = /^files\/p\d{2}\/p\d+\/s\d+\.txt$/;
const IMAGE_EXT = /\.(dcm|jpe?g|png)$/i;

/** Paths labgate stores: plain relative names (the storage-key alphabet), nothing that could climb out. */
export function isSafeDatasetPath(p: string): boolean {
  return p.length <= 900 && isStorageKey(p);
}

export function studyIdOf(p: string): number | null {
  const m = STUDY.exec(p);
  return m?.[1] ? Number(m[1]) : null;
}

/** `imageNames` is IMAGE_FILENAMES when the version has one: then it alone says what is an image. */
export function categorize(p: string, imageNames: ReadonlySet<string> | null): FileCategory {
  if (!p.includes("/")) return "metadata";
  if (REPORT.test(p)) return "report";
  if (imageNames ? imageNames.has(p) : p.startsWith("files/") && IMAGE_EXT.test(p)) return "image";
  return "other";
}

export function imageFormat(p: string): "dcm" | "jpg" | "other" {
  const ext = /\.([a-z0-9]+)$/i.exec(p)?.[1]?.toLowerCase();
  return ext === "dcm" ? "dcm" : ext === "jpg" || ext === "jpeg" ? "jpg" : "other";
}

export function storageKeyFor(ref: { slug: string; version: string }, p: string): string {
  return `downloads/${ref.slug}/${ref.version}/${p}`;
}
