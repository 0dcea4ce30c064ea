import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import yazl from "yazl";
import { LABELS } from "@/lib/mimic/import/file-specs";

/**
 * A hand-written MIMIC-CXR-JPG + MIMIC-CXR pair small enough to reason about row by row: the
 * importer tests corrupt exact lines of it. (Scale tests use lib/mimic/synth.)
 */
export type MiniStudy = { subject: number; study: number; images: { dicom: string; view: string; split: string; date: string; time: string }[]; chexpert: string[]; negbio: string[]; report: string };

const hex = (n: number, salt: number) => createHash("md5").update(`${n}-${salt}`).digest("hex").slice(0, 8);
export const dicomId = (n: number) => [1, 2, 3, 4, 5].map((s) => hex(n, s)).join("-");

export function miniStudies(): MiniStudy[] {
  const label = (i: number, j: number) => ["1.0", "0.0", "-1.0", ""][(i * 7 + j * 3) % 4]!;
  return Array.from({ length: 12 }, (_, i) => ({
    subject: 10000032 + Math.floor(i / 3),
    study: 50414267 + i * 1117,
    images: Array.from({ length: 1 + (i % 2) }, (_, k) => ({
      dicom: dicomId(i * 10 + k),
      view: k === 0 ? (i % 3 === 0 ? "AP" : "PA") : "LATERAL",
      split: i === 11 ? "test" : i === 10 ? "validate" : "train",
      date: `21${80 + i}0${1 + (i % 9)}1${i % 10}`,
      time: i === 0 ? "5323.5" : `${10 + i}2233.109`,
    })),
    chexpert: LABELS.map((_, j) => label(i, j)),
    negbio: LABELS.map((_, j) => label(i + 1, j)),
    report: `                                 FINAL REPORT\n EXAMINATION:  CHEST (PA AND LAT)\n\n INDICATION:  Cough.\n\n FINDINGS:  ${i % 2 ? "Small left pleural effusion." : "No focal consolidation."} Café.\n\n IMPRESSION:  ${i % 2 ? "Effusion." : "No acute process."}\n`,
  }));
}

const gz = (lines: string[]) => gzipSync(`${lines.join("\n")}\n`);

export type MiniFiles = Record<string, Buffer>;

export function miniJpgFiles(studies = miniStudies()): MiniFiles {
  const imgs = studies.flatMap((s) => s.images.map((im) => ({ s, im })));
  return {
    "mimic-cxr-2.0.0-metadata.csv.gz": gz([
      "dicom_id,subject_id,study_id,PerformedProcedureStepDescription,ViewPosition,Rows,Columns,StudyDate,StudyTime,ProcedureCodeSequence_CodeMeaning,ViewCodeSequence_CodeMeaning,PatientOrientationCodeSequence_CodeMeaning",
      ...imgs.map(({ s, im }) => `${im.dicom},${s.subject},${s.study},CHEST (PA AND LAT),${im.view},3056,2544,${im.date},${im.time},CHEST (PA AND LAT),postero-anterior,Erect`),
    ]),
    "mimic-cxr-2.0.0-chexpert.csv.gz": gz([`subject_id,study_id,${LABELS.join(",")}`, ...studies.map((s) => `${s.subject},${s.study},${s.chexpert.join(",")}`)]),
    "mimic-cxr-2.0.0-negbio.csv.gz": gz([`subject_id,study_id,${LABELS.join(",")}`, ...studies.map((s) => `${s.subject},${s.study},${s.negbio.join(",")}`)]),
    "mimic-cxr-2.0.0-split.csv.gz": gz(["dicom_id,study_id,subject_id,split", ...imgs.map(({ s, im }) => `${im.dicom},${s.study},${s.subject},${im.split}`)]),
  };
}

export async function miniCxrFiles(studies = miniStudies()): Promise<MiniFiles> {
  const folder = (s: MiniStudy) => `files/p${String(s.subject).slice(0, 2)}/p${s.subject}`;
  const zip = new yazl.ZipFile();
  for (const s of studies) zip.addBuffer(Buffer.from(s.report, "utf8"), `${folder(s)}/s${s.study}.txt`);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  return {
    "cxr-record-list.csv.gz": gz(["subject_id,study_id,dicom_id,path", ...studies.flatMap((s) => s.images.map((im) => `${s.subject},${s.study},${im.dicom},${folder(s)}/s${s.study}/${im.dicom}.dcm`))]),
    "cxr-study-list.csv.gz": gz(["subject_id,study_id,path", ...studies.map((s) => `${s.subject},${s.study},${folder(s)}/s${s.study}.txt`)]),
    "mimic-cxr-reports.zip": Buffer.concat(chunks),
  };
}

/** `localImages` are written as dummy bytes unless `imageBytes` holds real content for that path. */
export function writeMini(dir: string, files: MiniFiles, opts: { sums?: boolean; localImages?: string[]; imageBytes?: Record<string, Uint8Array> } = {}): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, body] of Object.entries(files)) writeFileSync(path.join(dir, name), body);
  if (opts.sums !== false) {
    const lines = Object.entries(files).map(([name, body]) => `${createHash("sha256").update(body).digest("hex")} ${name}`);
    writeFileSync(path.join(dir, "SHA256SUMS.txt"), `${lines.join("\n")}\n`);
  }
  for (const rel of opts.localImages ?? []) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), opts.imageBytes?.[rel] ?? Buffer.from("not really an image"));
  }
  return dir;
}
