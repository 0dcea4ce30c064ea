import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { opendir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { CSV_FILES, IMAGE_FILENAMES, REPORTS_ZIP, SHA256SUMS, type CsvFileSpec, type Project } from "./file-specs";
import { ImportError } from "./import-error";
import { checkVersionEvidence } from "./version-evidence";

export type DirectoryPlan = {
  csv: CsvFileSpec[];
  reportsZip: boolean;
  imageFilenames: boolean;
  bytesTotal: number;
  /** Same files (by content) and same local images → same fingerprint → re-import is a no-op. */
  fingerprint: string;
};

const PROJECT_NAMES: Record<Project, string> = { "mimic-cxr": "MIMIC-CXR (mimic-cxr)", "mimic-cxr-jpg": "MIMIC-CXR-JPG (mimic-cxr-jpg)" };

async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), hash);
  return hash.digest("hex");
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

function parseSha256Sums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([0-9a-f]{64}) [ *]?(.+)$/.exec(line.trim());
    if (m) sums.set(m[2]!.replace(/^\.\//, ""), m[1]!);
  }
  return sums;
}

/** Hashes the names of the image files present under files/, in walk order made stable by sorting each directory. */
async function hashLocalImages(dir: string, hash: ReturnType<typeof createHash>): Promise<void> {
  const walk = async (rel: string): Promise<void> => {
    let handle;
    try {
      handle = await opendir(path.join(dir, rel));
    } catch {
      return;
    }
    const names: { name: string; isDir: boolean }[] = [];
    for await (const e of handle) names.push({ name: e.name, isDir: e.isDirectory() });
    names.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of names) {
      if (e.isDir) await walk(`${rel}/${e.name}`);
      else if (/\.(dcm|jpg)$/.test(e.name)) hash.update(`${rel}/${e.name}\n`);
    }
  };
  await walk("files");
}

/**
 * Decides what to import from a version directory and refuses what does not belong: files of the
 * other project or of another version (version-evidence.ts), and files whose SHA-256 differs from
 * SHA256SUMS.txt.
 */
export async function inspectDirectory(opts: { dir: string; project: Project; version: string }): Promise<DirectoryPlan> {
  const dirStat = await stat(opts.dir).catch(() => null);
  if (!dirStat?.isDirectory()) throw new ImportError(`${opts.dir} is not a directory`);
  const csv: CsvFileSpec[] = [];
  for (const spec of CSV_FILES) {
    if (!(await exists(path.join(opts.dir, spec.name)))) continue;
    if (spec.project !== opts.project) {
      throw new ImportError(`this file belongs to ${PROJECT_NAMES[spec.project]}, not ${PROJECT_NAMES[opts.project]}; import it into that dataset`, spec.name);
    }
    if (spec.since === "2.1.0" && opts.version === "2.0.0") throw new ImportError(`this file first shipped with version 2.1.0, not ${opts.version}`, spec.name);
    csv.push(spec);
  }
  const reportsZip = await exists(path.join(opts.dir, REPORTS_ZIP));
  if (reportsZip && opts.project !== "mimic-cxr") throw new ImportError(`this file belongs to ${PROJECT_NAMES["mimic-cxr"]}, not ${PROJECT_NAMES[opts.project]}`, REPORTS_ZIP);
  const imageFilenames = await exists(path.join(opts.dir, IMAGE_FILENAMES));
  if (csv.length === 0 && !reportsZip) {
    throw new ImportError(`${opts.dir} holds none of the ${PROJECT_NAMES[opts.project]} files labgate imports (${CSV_FILES.filter((f) => f.project === opts.project).map((f) => f.name).join(", ")})`);
  }

  const sumsPath = path.join(opts.dir, SHA256SUMS);
  const hasSums = await exists(sumsPath);
  const sums = hasSums ? parseSha256Sums(await readFile(sumsPath, "utf8")) : new Map<string, string>();
  const present = new Set([...csv.map((c) => c.name), ...(imageFilenames ? [IMAGE_FILENAMES] : [])]);
  await checkVersionEvidence({ dir: opts.dir, project: opts.project, version: opts.version, present, sums: hasSums ? sums : null });
  const fingerprint = createHash("sha256").update(`${opts.project} ${opts.version}\n`);
  let bytesTotal = 0;
  const names = [...csv.map((c) => c.name), ...(reportsZip ? [REPORTS_ZIP] : []), ...(imageFilenames ? [IMAGE_FILENAMES] : [])];
  for (const name of names) {
    const file = path.join(opts.dir, name);
    bytesTotal += (await stat(file)).size;
    const digest = await sha256File(file);
    const expected = sums.get(name);
    if (expected && expected !== digest) throw new ImportError(`its SHA-256 does not match SHA256SUMS.txt: the copy is damaged or incomplete`, name);
    fingerprint.update(`${name} ${digest}\n`);
  }
  await hashLocalImages(opts.dir, fingerprint);
  return { csv, reportsZip, imageFilenames, bytesTotal, fingerprint: fingerprint.digest("hex") };
}
