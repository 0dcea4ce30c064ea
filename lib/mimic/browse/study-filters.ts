import { z } from "zod";
import { storableTextSchema } from "@/lib/validation";
import { LABELS, type Label } from "../import/file-specs";
import { LABEL_STATES, SPLITS, type LabelState, type Split } from "../tokens";

/**
 * The explorer's whole state lives in the URL so a filtered view can be shared within the lab.
 * `label` is repeated: `label=Edema:positive&label=Edema:uncertain&label=Pneumonia:negative`
 * (states of one label are alternatives; different labels must all hold).
 */
export const FILTER_LABELERS = ["chexpert", "negbio", "radiologist"] as const;
/** Whose labels the facets count: CheXpert, NegBio, or the radiologists of the 2.1.0 test set. */
export type FilterLabeler = (typeof FILTER_LABELERS)[number];
export const LABELER_NAMES: Record<FilterLabeler, string> = { chexpert: "CheXpert", negbio: "NegBio", radiologist: "Radiologist (test set)" };

/** The token space of a labeler (tokens.ts calls the radiologists' labels "test"). */
export const tokenLabeler = (l: FilterLabeler) => (l === "radiologist" ? "test" : l);

export type StudyFilters = {
  labeler: FilterLabeler;
  labels: { label: Label; states: LabelState[] }[];
  /**
   * Label states of a named labeler, whichever labeler the facets count: `src=negbio:Edema:negative`.
   * All must hold; the disagreement table's cells link with one CheXpert and one NegBio state.
   */
  sourceLabels: { labeler: FilterLabeler; label: Label; state: LabelState }[];
  /** Labels on which CheXpert and NegBio give different states (studies with both label rows). */
  disagree: Label[];
  views: string[];
  splits: Split[];
  from: string | null;
  to: string | null;
  localOnly: boolean;
  q: string | null;
  sort: "date" | "study_id" | "subject_id";
  dir: "asc" | "desc";
  page: number;
  pageSize: number;
};

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "dates are YYYY-MM-DD");

const labelParam = z.string().transform((v, ctx) => {
  const at = v.lastIndexOf(":");
  const label = v.slice(0, at) as Label;
  const state = v.slice(at + 1) as LabelState;
  if (at < 0 || !LABELS.includes(label) || !LABEL_STATES.includes(state)) {
    ctx.addIssue({ code: "custom", message: `"${v}" is not a label filter like "Edema:positive" (states: ${LABEL_STATES.join(", ")})` });
    return z.NEVER;
  }
  return { label, state };
});

const sourceLabelParam = z.string().transform((v, ctx) => {
  const first = v.indexOf(":");
  const last = v.lastIndexOf(":");
  const labeler = v.slice(0, first) as FilterLabeler;
  const label = v.slice(first + 1, last) as Label;
  const state = v.slice(last + 1) as LabelState;
  if (first < 0 || first === last || !FILTER_LABELERS.includes(labeler) || !LABELS.includes(label) || !LABEL_STATES.includes(state)) {
    ctx.addIssue({ code: "custom", message: `"${v}" is not a labeler's label filter like "negbio:Edema:positive" (labelers: ${FILTER_LABELERS.join(", ")})` });
    return z.NEVER;
  }
  return { labeler, label, state };
});

const schema = z
  .object({
    labeler: z.enum(FILTER_LABELERS).default("chexpert"),
    label: z.array(labelParam).max(28).default([]),
    src: z.array(sourceLabelParam).max(12).default([]),
    disagree: z.array(z.enum(LABELS, { error: "disagree= names a label, like Pneumothorax" })).max(14).default([]),
    view: z.array(storableTextSchema.max(40)).max(20).default([]),
    split: z.array(z.enum(SPLITS)).default([]),
    from: isoDate.optional(),
    to: isoDate.optional(),
    local: z.enum(["1", "0"]).optional(),
    q: storableTextSchema.trim().max(200).optional(),
    sort: z.enum(["date", "study_id", "subject_id"]).default("date"),
    dir: z.enum(["asc", "desc"]).default("desc"),
    page: z.coerce.number().int().min(1).max(100_000).default(1),
    size: z.coerce.number().int().min(10).max(200).default(50),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, { message: "the start date is after the end date", path: ["from"] });

type RawParams = Record<string, string | string[] | undefined> | URLSearchParams;

function toRecord(params: RawParams): Record<string, string | string[]> {
  const multi = new Set(["label", "view", "split", "src", "disagree"]);
  const out: Record<string, string | string[]> = {};
  const entries = params instanceof URLSearchParams ? [...params.entries()] : Object.entries(params).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x] as const) : v === undefined ? [] : [[k, v] as const]));
  for (const [k, v] of entries) {
    // An empty view is a real value (images without a ViewPosition); other empty fields are unset.
    if (v === "" && k !== "view") continue;
    if (multi.has(k)) out[k] = [...((out[k] as string[] | undefined) ?? []), v];
    else out[k] = v;
  }
  return out;
}

export function parseStudyFilters(params: RawParams): { ok: true; filters: StudyFilters } | { ok: false; errors: string[] } {
  const parsed = schema.safeParse(toRecord(params));
  if (!parsed.success) return { ok: false, errors: parsed.error.issues.map((i) => i.message) };
  const f = parsed.data;
  const byLabel = new Map<Label, LabelState[]>();
  for (const { label, state } of f.label) byLabel.set(label, [...new Set([...(byLabel.get(label) ?? []), state])]);
  return {
    ok: true,
    filters: {
      labeler: f.labeler,
      labels: [...byLabel].map(([label, states]) => ({ label, states })),
      sourceLabels: f.src.filter((x, i) => f.src.findIndex((y) => y.labeler === x.labeler && y.label === x.label && y.state === x.state) === i),
      disagree: [...new Set(f.disagree)],
      views: [...new Set(f.view)],
      splits: [...new Set(f.split)],
      from: f.from ?? null,
      to: f.to ?? null,
      localOnly: f.local === "1",
      q: f.q || null,
      sort: f.sort,
      dir: f.dir,
      page: f.page,
      pageSize: f.size,
    },
  };
}

/** The inverse of parseStudyFilters, for links; defaults are left out to keep URLs short. */
export function studyFiltersToSearch(f: Partial<StudyFilters>): string {
  const p = new URLSearchParams();
  if (f.labeler && f.labeler !== "chexpert") p.set("labeler", f.labeler);
  for (const l of f.labels ?? []) for (const s of l.states) p.append("label", `${l.label}:${s}`);
  for (const l of f.sourceLabels ?? []) p.append("src", `${l.labeler}:${l.label}:${l.state}`);
  for (const l of f.disagree ?? []) p.append("disagree", l);
  for (const v of f.views ?? []) p.append("view", v);
  for (const s of f.splits ?? []) p.append("split", s);
  if (f.from) p.set("from", f.from);
  if (f.to) p.set("to", f.to);
  if (f.localOnly) p.set("local", "1");
  if (f.q) p.set("q", f.q);
  if (f.sort && f.sort !== "date") p.set("sort", f.sort);
  if (f.dir && f.dir !== "desc") p.set("dir", f.dir);
  if (f.page && f.page !== 1) p.set("page", String(f.page));
  if (f.pageSize && f.pageSize !== 50) p.set("size", String(f.pageSize));
  return p.toString();
}

/** No filter at all (sorting and paging aside): the whole dataset version. */
export function isUnfiltered(f: StudyFilters): boolean {
  return f.labels.length === 0 && f.sourceLabels.length === 0 && f.disagree.length === 0 && f.views.length === 0 && f.splits.length === 0 && !f.from && !f.to && !f.localOnly && !f.q;
}
