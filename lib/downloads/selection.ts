import { z } from "zod";
import { categorize, imageFormat, isSafeDatasetPath, studyIdOf, type FileCategory } from "./paths";

// What a member asks to download, shared by the form and the server. Presets in the form map onto
// the "filter" mode: everything; metadata and labels; reports; images (JPG, DICOM or both) of all
// studies, a saved cohort or a seeded random sample. The "paths" mode takes a list of files or folders.

const studySetSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("all") }),
  z.object({ kind: z.literal("cohort"), cohortId: z.uuid("Choose a saved cohort") }),
  z.object({
    kind: z.literal("sample"),
    percent: z.number({ error: "Give a percentage" }).gt(0, "The sample must be more than 0%").max(100, "The sample cannot exceed 100%"),
    seed: z.number().int().min(0).max(2_147_483_647).default(1),
  }),
]);

const pathEntry = z
  .string()
  .trim()
  .min(1)
  .refine((p) => isSafeDatasetPath(p.replace(/\/$/, "")), "Paths are relative to the version folder, like files/p10/p10000032/ or mimic-cxr-2.0.0-metadata.csv.gz");

export const selectionSchema = z
  .discriminatedUnion("mode", [
    z.object({
      mode: z.literal("filter"),
      metadata: z.boolean().default(false),
      reports: z.boolean().default(false),
      images: z.enum(["none", "any", "jpg", "dcm"]).default("none"),
      // Files under files/ that are neither reports nor images (none in MIMIC today); on for "everything".
      other: z.boolean().default(false),
      studies: studySetSchema.default({ kind: "all" }),
    }),
    z.object({ mode: z.literal("paths"), paths: z.array(pathEntry).min(1, "List at least one path").max(10_000, "At most 10,000 paths per job") }),
  ])
  .refine((s) => s.mode === "paths" || s.metadata || s.reports || s.images !== "none" || s.other, "Choose at least one kind of file");

export type Selection = z.infer<typeof selectionSchema>;
export type StudySet = z.infer<typeof studySetSchema>;

export const EVERYTHING: Selection = { mode: "filter", metadata: true, reports: true, images: "any", other: true, studies: { kind: "all" } };

export function describeSelection(s: Selection, cohortName?: string | null): string {
  if (s.mode === "paths") return `${s.paths.length.toLocaleString("en-US")} listed ${s.paths.length === 1 ? "path" : "paths"}`;
  if (s.metadata && s.reports && s.images === "any" && s.other && s.studies.kind === "all") return "Everything";
  const parts: string[] = [];
  if (s.metadata) parts.push("metadata and labels");
  if (s.reports) parts.push("reports");
  if (s.images !== "none") parts.push(s.images === "jpg" ? "JPG images" : s.images === "dcm" ? "DICOM images" : "images");
  if (s.other) parts.push("other files");
  const what = parts.join(", ").replace(/^./, (c) => c.toUpperCase());
  if (s.studies.kind === "cohort") return `${what} of cohort “${cohortName ?? "?"}”`;
  if (s.studies.kind === "sample") return `${what} of a ${s.studies.percent}% sample of studies (seed ${s.studies.seed})`;
  return what;
}

export type FileMatcher = (entry: { path: string }) => FileCategory | null;

/**
 * Decides per manifest entry whether it is selected (returning its category) or not (null).
 * `studies` is the set of chosen study ids, or null for all studies.
 */
export function matcherFor({
  selection,
  studies,
  imageNames,
  onListedMatch,
}: {
  selection: Selection;
  studies: ReadonlySet<number> | null;
  imageNames: ReadonlySet<string> | null;
  /** Paths mode: told which listed entry (file or folder) matched, to report the ones that match nothing. */
  onListedMatch?: (listed: string) => void;
}): FileMatcher {
  if (selection.mode === "paths") {
    const exact = new Set(selection.paths.filter((p) => !p.endsWith("/")));
    const prefixes = selection.paths.filter((p) => p.endsWith("/"));
    return ({ path }) => {
      const listed = exact.has(path) ? path : prefixes.find((prefix) => path.startsWith(prefix));
      if (listed === undefined) return null;
      onListedMatch?.(listed);
      return categorize(path, imageNames);
    };
  }
  const s = selection;
  const inStudies = (p: string) => {
    if (!studies) return true;
    const id = studyIdOf(p);
    return id !== null && studies.has(id);
  };
  return ({ path }) => {
    const category = categorize(path, imageNames);
    switch (category) {
      case "metadata":
        return s.metadata ? category : null;
      case "report":
        return s.reports && inStudies(path) ? category : null;
      case "image": {
        if (s.images === "none") return null;
        if (s.images !== "any" && imageFormat(path) !== s.images) return null;
        return inStudies(path) ? category : null;
      }
      case "other":
        return s.other && (studyIdOf(path) === null ? studies === null : inStudies(path)) ? category : null;
    }
  };
}

/** Listed paths (files or folders ending in "/") that match nothing in the manifest. */
export function unmatchedPaths(selection: Selection, matched: ReadonlySet<string>): string[] {
  if (selection.mode !== "paths") return [];
  return selection.paths.filter((p) => !matched.has(p));
}
