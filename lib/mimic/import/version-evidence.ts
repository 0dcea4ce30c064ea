import { readFile } from "node:fs/promises";
import path from "node:path";
import { findCatalogueProject } from "@/lib/datasets/physionet-catalogue";
import { IMAGE_FILENAMES, type Project } from "./file-specs";
import { ImportError } from "./import-error";

// An import goes into the dataset version its files say they are, or nowhere: each version has its
// own DUA signature, so 2.0.0 files imported as 2.1.0 (or as a made-up 9.9.9) would reach members
// who never signed for them. The evidence, from strongest to weakest: the version folder PhysioNet's
// layout puts them in (…/mimic-cxr-jpg/2.0.0/), a PhysioNet URL in LICENSE.txt, and the files that
// only 2.1.0 ships, present here or listed in SHA256SUMS.txt (which lists every file of its version).

/** Files that first shipped with 2.1.0, per project (shared/design/mimic-cxr.md). */
const SINCE_2_1_0: Record<Project, readonly string[]> = {
  "mimic-cxr": ["cxr-provider-list.csv.gz"],
  "mimic-cxr-jpg": [IMAGE_FILENAMES, "mimic-cxr-2.1.0-test-set-labeled.csv"],
};
const MIMIC_SLUGS = new Set<string>(["mimic-cxr", "mimic-cxr-jpg"]);
const VERSION = /^[0-9]+(\.[0-9]+){1,3}$/;

/** The project and version the directory's path names, as in physionet.org/files/<slug>/<version>/. */
export function versionFromPath(dir: string): { slug: string | null; version: string } | null {
  const parts = path.resolve(dir).split(path.sep).filter(Boolean);
  for (let i = parts.length - 1; i >= 0; i--) {
    if (!VERSION.test(parts[i]!)) continue;
    const before = parts[i - 1];
    return { slug: before && MIMIC_SLUGS.has(before) ? before : null, version: parts[i]! };
  }
  return null;
}

/** Versions named by PhysioNet URLs in a text, e.g. https://physionet.org/content/mimic-cxr-jpg/2.0.0/. */
export function versionsInText(text: string, project: Project): string[] {
  const found = new Set<string>();
  const re = new RegExp(`physionet\\.org/(?:content|files)/${project.replace(/-/g, "\\-")}/([0-9]+(?:\\.[0-9]+){1,3})(?:/|\\b)`, "g");
  for (const m of text.matchAll(re)) found.add(m[1]!);
  return [...found];
}

export async function checkVersionEvidence(opts: { dir: string; project: Project; version: string; present: ReadonlySet<string>; sums: ReadonlyMap<string, string> | null }): Promise<void> {
  const { project, version } = opts;
  const catalogue = findCatalogueProject(project);
  if (catalogue && !catalogue.versions.includes(version)) {
    throw new ImportError(`PhysioNet publishes ${project} ${catalogue.versions.join(", ")}; there is no version ${version} to import into`);
  }
  const fromPath = versionFromPath(opts.dir);
  if (fromPath?.slug && fromPath.slug !== project) throw new ImportError(`the directory is ${fromPath.slug} ${fromPath.version} by its path, not ${project}; import it into that dataset`);
  if (fromPath && fromPath.version !== version) throw new ImportError(`the directory is version ${fromPath.version} by its path (…/${fromPath.slug ?? project}/${fromPath.version}/), not ${version}; import it into ${project} ${fromPath.version}`);

  const license = await readFile(path.join(opts.dir, "LICENSE.txt"), "utf8").catch(() => null);
  const named = license ? versionsInText(license, project).filter((v) => v !== version) : [];
  if (named.length > 0) throw new ImportError(`LICENSE.txt is the license of ${project} ${named.join(", ")}, not ${version}`, "LICENSE.txt");

  const newer = SINCE_2_1_0[project];
  const shipsNewer = newer.filter((f) => opts.present.has(f) || opts.sums?.has(f));
  if (version === "2.0.0" && shipsNewer.length > 0) {
    throw new ImportError(`this file first shipped with version 2.1.0, not ${version}: the directory is a 2.1.0 copy`, shipsNewer[0]);
  }
  if (version === "2.1.0" && opts.sums && opts.sums.size > 0 && shipsNewer.length === 0) {
    throw new ImportError(`SHA256SUMS.txt lists none of the files 2.1.0 added (${newer.join(", ")}): these are version 2.0.0's files, not 2.1.0's; import them into ${project} 2.0.0`, "SHA256SUMS.txt");
  }
}
