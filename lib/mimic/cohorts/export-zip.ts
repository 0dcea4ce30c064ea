import "server-only";
import { Readable } from "node:stream";
import { Param, sql } from "drizzle-orm";
import yazl from "yazl";
import { safeCsvResponseBody } from "@/lib/csv/safe-csv";
import { getDb } from "@/lib/db/client";
import type { DatasetRef } from "@/lib/datasets/find-dataset";
import { AppError } from "@/lib/http/errors";
import { errorFields, log } from "@/lib/log/logger";
import { listViewCodes } from "../browse/list-studies";
import type { StudyFilters } from "../browse/study-filters";
import { studyWhere } from "../browse/study-where";
import { CITATION, LABELS } from "../import/file-specs";
import { hiddenPartText, type JoinedSources } from "../pairing/joined-sources";
import { SPLITS, labelBit, type Split } from "../tokens";
import { assignPatientSplits, SPLIT_ALGORITHM, type SplitPatient } from "./patient-splits";
import { describeSplit, type SplitSpec } from "./split-spec";

/**
 * The versions an export reads each part from (decision 027's rule, asked on this request): a part
 * whose version the member does not hold is left empty, never read.
 */
export type ExportSources = {
  /** The page's version: the cohort's own, whose images are the rows. */
  datasetId: string;
  /** Facet table, study dates and labels (the JPG version, when held). */
  labelsDatasetId: string;
  /** Report text the cohort's filter may search (the MIMIC-CXR version, when held). */
  reportDatasetId: string;
  /** The MIMIC-CXR-JPG version whose JPG paths, official split and view positions are read; null when not held. */
  jpgDatasetId: string | null;
  /** The MIMIC-CXR version whose DICOM paths are read; null when not held. */
  cxrDatasetId: string | null;
  /** "slug version" of every version whose data the file holds, for README.txt and filters.json. */
  versions: string[];
  /** Why a part is empty, in the words the explorer uses; for README.txt. */
  hidden: string[];
};

export function exportSources(dataset: DatasetRef, joined: JoinedSources): ExportSources {
  const partner = joined.partner?.access ? joined.partner : null;
  const versions = [`${dataset.slug} ${dataset.version}`, ...(partner ? [`${partner.slug} ${partner.version}`] : [])];
  const hidden: string[] = [];
  if (joined.partner && !joined.partner.access) {
    hidden.push(hiddenPartText(joined.side === "cxr" ? "the labels, official split, view positions and JPG paths" : "the DICOM paths (and report search)", joined.partner));
  } else if (!joined.partner && joined.side) {
    hidden.push(`This version is not paired with a ${joined.side === "cxr" ? "MIMIC-CXR-JPG" : "MIMIC-CXR"} version (a steward pairs them in Settings), so the ${joined.side === "cxr" ? "labels, official split, view positions and JPG paths" : "DICOM paths"} are empty.`);
  }
  return {
    datasetId: dataset.id,
    labelsDatasetId: joined.labelsDatasetId,
    reportDatasetId: joined.reportDatasetId,
    jpgDatasetId: joined.side === "jpg" ? dataset.id : joined.side === "cxr" && partner ? partner.id : null,
    cxrDatasetId: joined.side === "cxr" ? dataset.id : joined.side === "jpg" && partner ? partner.id : null,
    versions,
    hidden,
  };
}

export const COHORT_COLUMNS = [
  "subject_id", "study_id", "dicom_id", "split", "official_split", "study_date", "view_position", "jpg_path", "dicom_path",
  ...LABELS.map((l) => `chexpert_${l}`), ...LABELS.map((l) => `negbio_${l}`), ...LABELS.map((l) => `radiologist_${l}`),
] as const;

// Labels in the source files' own encoding (1.0 / 0.0 / -1.0 / empty), which pandas reads as floats with NaN.
const labelText = (v: number | null | undefined) => (v === null || v === undefined ? "" : v.toFixed(1));

/**
 * The cohort's patients, each with its stratum: positive for the stratifying label (by that labeler)
 * in any of the patient's studies in the cohort. One grouped scan of the narrow facet table.
 */
export async function cohortPatients(opts: { sources: ExportSources; filters: StudyFilters; spec: SplitSpec }): Promise<SplitPatient[]> {
  const where = studyWhere({ datasetId: opts.sources.labelsDatasetId, filters: opts.filters, viewCodes: await listViewCodes(), reportDatasetId: opts.sources.reportDatasetId });
  const strat = opts.spec.kind === "random" ? opts.spec.stratify : null;
  const stratum = strat
    ? sql`bool_or(((s.${sql.raw(strat.labeler === "chexpert" ? "chexpert_bits" : "negbio_bits")} >> ${sql.raw(String(labelBit(strat.label, "positive")))}) & 1) = 1)`
    : sql`false`;
  const rows = await getDb().execute<{ subject_id: number; stratum: boolean }>(sql`
    select s.subject_id, ${stratum} as stratum from mimic_study_facet s where ${where} group by s.subject_id`);
  return rows.rows.map((r) => ({ subjectId: Number(r.subject_id), stratum: r.stratum }));
}

type ImageRow = {
  dicom_id: string; subject_id: number; study_id: number; study_date: string | null; view_position: string | null; official_split: string | null;
  jpg_path: string | null; dicom_path: string | null; chexpert: (number | null)[] | null; negbio: (number | null)[] | null; test_labels: (number | null)[] | null;
};

export type SplitCounts = Record<Split | "none", { patients: number; studies: number; images: number }>;

/**
 * One row per image of the cohort's studies, in (study_id, dicom_id) order, in keyset batches of
 * studies (flat memory at 377k images, no transaction left open while a slow client reads).
 * `assigned` is the random split per patient; without it the split is the image's official one.
 */
export async function* iterateCohortImages(opts: { sources: ExportSources; filters: StudyFilters; assigned: Map<number, Split> | null; counts?: SplitCounts; studiesPerBatch?: number }): AsyncGenerator<unknown[]> {
  const { sources } = opts;
  const where = studyWhere({ datasetId: sources.labelsDatasetId, filters: opts.filters, viewCodes: await listViewCodes(), reportDatasetId: sources.reportDatasetId });
  const batch = opts.studiesPerBatch ?? 2000;
  const seen = { patients: new Map<string, Set<number>>(), studies: new Map<string, Set<number>>() };
  const note = (split: string, subject: number, study: number) => {
    if (!opts.counts) return;
    const c = opts.counts[split as Split | "none"];
    c.images++;
    for (const [kind, id] of [["patients", subject], ["studies", study]] as const) {
      let set = seen[kind].get(split);
      if (!set) seen[kind].set(split, (set = new Set()));
      if (!set.has(id)) {
        set.add(id);
        c[kind]++;
      }
    }
  };
  let after = -1;
  for (;;) {
    const ids = await getDb().execute<{ study_id: number }>(sql`
      select s.study_id from mimic_study_facet s where ${where} and s.study_id > ${after} order by s.study_id limit ${batch}`);
    if (ids.rows.length === 0) return;
    const studyIds = ids.rows.map((r) => Number(r.study_id));
    // A version not held is a NULL id: its join matches nothing, so its part is empty, never read.
    const rows = await getDb().execute<ImageRow>(sql`
      select i.dicom_id, i.subject_id, i.study_id, to_char(d.study_date, 'YYYY-MM-DD') as study_date,
        coalesce(j.view_position, i.view_position) as view_position, j.split as official_split,
        j.path as jpg_path, c.path as dicom_path, d.chexpert, d.negbio, d.test_labels
      from mimic_image i
      join mimic_study d on d.dataset_id = ${sources.labelsDatasetId} and d.study_id = i.study_id
      left join mimic_image j on j.dataset_id = ${sources.jpgDatasetId}::uuid and j.dicom_id = i.dicom_id
      left join mimic_image c on c.dataset_id = ${sources.cxrDatasetId}::uuid and c.dicom_id = i.dicom_id
      where i.dataset_id = ${sources.datasetId} and i.study_id = any(${new Param(studyIds)}::integer[])
      order by i.study_id, i.dicom_id`);
    for (const r of rows.rows) {
      const subject = Number(r.subject_id);
      const split = opts.assigned ? (opts.assigned.get(subject) ?? "") : (r.official_split ?? "");
      note(split || "none", subject, Number(r.study_id));
      yield [
        subject, r.study_id, r.dicom_id, split, r.official_split ?? "", r.study_date ?? "", r.view_position ?? "", r.jpg_path ?? "", r.dicom_path ?? "",
        ...LABELS.map((_, i) => labelText(r.chexpert?.[i])), ...LABELS.map((_, i) => labelText(r.negbio?.[i])), ...LABELS.map((_, i) => labelText(r.test_labels?.[i])),
      ];
    }
    if (ids.rows.length < batch) return;
    after = studyIds[studyIds.length - 1]!;
  }
}

/** A stratified random split needs the labels; without the version that holds them it cannot be drawn as saved. */
export function assertSplitReadable(spec: SplitSpec, sources: ExportSources): void {
  if (spec.kind === "random" && spec.stratify && !sources.jpgDatasetId) {
    throw new AppError("forbidden", `This cohort's split is stratified by ${spec.stratify.label}, and its labels cannot be read: ${sources.hidden.join(" ") || "they come from a MIMIC-CXR-JPG version you do not hold."}`);
  }
}

export type CohortExportMeta = { dataset: DatasetRef; cohortId: string; cohortName: string; query: string; spec: SplitSpec; exportedBy: string; exportedAt: Date };

function readme(meta: CohortExportMeta, sources: ExportSources): string {
  const lines = [
    `Cohort "${meta.cohortName}" of ${meta.dataset.title} ${meta.dataset.version} (${meta.dataset.slug}), exported from labgate`,
    `by ${meta.exportedBy} on ${meta.exportedAt.toISOString()}.`,
    "",
    `This file holds credentialed data under the ${meta.dataset.duaName} ${meta.dataset.duaVersion}: do not share it outside credentialed users.`,
    "",
    `Filter: ${meta.query || "(all studies)"}`,
    `Split: ${describeSplit(meta.spec)}.`,
    `Data read from: ${sources.versions.join(", ")}.`,
    ...sources.hidden.map((h) => `Not included: ${h}`),
    "",
    "Files",
    "  cohort.csv    one row per image; load it with pandas.read_csv('cohort.csv') as it is",
    "  filters.json  the filter, the split (seed, ratios, stratifying label) and the counts per split",
    "  CITATION.cff  how to cite the data",
    "",
    "cohort.csv columns",
    "  subject_id, study_id, dicom_id   MIMIC identifiers",
    "  split                            the cohort's split (see above): train, validate or test",
    "  official_split                   the image's split in mimic-cxr-2.0.0-split.csv.gz",
    "  study_date                       YYYY-MM-DD (shifted, as in the source files)",
    "  view_position                    ViewPosition from the metadata",
    "  jpg_path, dicom_path             relative to the version's root on PhysioNet,",
    "                                   e.g. https://physionet.org/files/mimic-cxr-jpg/2.1.0/<jpg_path>",
    "  chexpert_<label>, negbio_<label>, radiologist_<label>",
    "                                   1.0 positive, 0.0 negative, -1.0 uncertain, empty not mentioned",
    "                                   (radiologist labels exist for the 2.1.0 test set only)",
    "A column whose version is not included above is empty.",
    "",
  ];
  if (meta.spec.kind === "random") {
    lines.push(
      "How the split was drawn",
      `  Algorithm ${SPLIT_ALGORITHM}: every patient (subject_id) is in exactly one split. Patients are`,
      `  grouped into strata (${meta.spec.stratify ? `positive for ${meta.spec.stratify.label} in any of their studies in the cohort, or not` : "one stratum"}),`,
      `  ordered in each stratum by SHA-256("${SPLIT_ALGORITHM}:<seed>:<subject_id>"), and the first`,
      "  round(n * train%), then up to round(n * (train% + validate%)), then the rest take train, validate",
      "  and test. The same seed, ratios and label on the same data give the same assignment.",
      "",
    );
  }
  lines.push("Cite", `  ${CITATION}`, "");
  return lines.join("\n");
}

const yamlString = (s: string) => JSON.stringify(s);

function citationCff(meta: CohortExportMeta): string {
  return [
    "cff-version: 1.2.0",
    `message: ${yamlString("If you use this cohort, cite MIMIC-CXR and MIMIC-CXR-JPG as below (and PhysioNet, as its pages ask).")}`,
    `title: ${yamlString(`Cohort "${meta.cohortName}" of ${meta.dataset.title} ${meta.dataset.version}`)}`,
    "type: dataset",
    "authors:",
    "  - family-names: Johnson",
    "    given-names: Alistair E. W.",
    "  - family-names: Pollard",
    "    given-names: Tom J.",
    `date-released: ${meta.exportedAt.toISOString().slice(0, 10)}`,
    "preferred-citation:",
    "  type: article",
    `  title: ${yamlString("MIMIC-CXR, a de-identified publicly available database of chest radiographs with free-text reports")}`,
    "  authors:",
    "    - family-names: Johnson",
    "      given-names: Alistair E. W.",
    "    - family-names: Pollard",
    "      given-names: Tom J.",
    "    - family-names: Berkowitz",
    "      given-names: Seth J.",
    '  journal: "Scientific Data"',
    "  volume: 6",
    "  start: 317",
    "  year: 2019",
    '  doi: "10.1038/s41597-019-0322-0"',
    "references:",
    "  - type: article",
    `    title: ${yamlString("MIMIC-CXR-JPG, a large publicly available database of labeled chest radiographs")}`,
    "    authors:",
    "      - family-names: Johnson",
    "        given-names: Alistair E. W.",
    "      - family-names: Pollard",
    "        given-names: Tom J.",
    "      - family-names: Greenbaum",
    "        given-names: Nathaniel R.",
    "    year: 2019",
    '    identifiers:',
    "      - type: other",
    '        value: "arXiv:1901.07042"',
    "",
  ].join("\n");
}

/**
 * The cohort as a zip (yazl): README.txt and CITATION.cff, then cohort.csv streamed from the
 * database as the client reads, then filters.json with the counts seen while streaming. A failure
 * half-way destroys the stream, so the client gets a cut-off zip, never a complete-looking one.
 */
export async function cohortZipStream(opts: { meta: CohortExportMeta; sources: ExportSources; filters: StudyFilters }): Promise<ReadableStream<Uint8Array>> {
  const { meta, sources } = opts;
  assertSplitReadable(meta.spec, sources);
  const assigned = meta.spec.kind === "random" ? assignPatientSplits(await cohortPatients({ sources, filters: opts.filters, spec: meta.spec }), meta.spec) : null;
  const counts = Object.fromEntries([...SPLITS, "none"].map((s) => [s, { patients: 0, studies: 0, images: 0 }])) as SplitCounts;
  const zip = new yazl.ZipFile();
  // yazl's typings say NodeJS.ReadableStream; it is a stream.PassThrough.
  const output = zip.outputStream as Readable;
  const mtime = meta.exportedAt;
  zip.addBuffer(Buffer.from(readme(meta, sources)), "README.txt", { mtime });
  zip.addBuffer(Buffer.from(citationCff(meta)), "CITATION.cff", { mtime });
  async function* rows() {
    yield* iterateCohortImages({ sources, filters: opts.filters, assigned, counts });
    // Every row has been pulled: the counts are final, and filters.json goes last.
    const filtersJson = {
      cohort: { id: meta.cohortId, name: meta.cohortName },
      dataset: { slug: meta.dataset.slug, version: meta.dataset.version },
      query: meta.query,
      filters: opts.filters,
      split: { ...meta.spec, ...(meta.spec.kind === "random" ? { algorithm: SPLIT_ALGORITHM } : {}), description: describeSplit(meta.spec) },
      versions: sources.versions,
      counts,
      exportedBy: meta.exportedBy,
      exportedAt: meta.exportedAt.toISOString(),
    };
    zip.addBuffer(Buffer.from(`${JSON.stringify(filtersJson, null, 2)}\n`), "filters.json", { mtime });
    zip.end();
  }
  const csv = Readable.fromWeb(safeCsvResponseBody({ columns: [...COHORT_COLUMNS], rows: rows(), what: "cohort export" }) as import("node:stream/web").ReadableStream);
  csv.on("error", (e) => {
    log().error({ what: "cohort zip", ...errorFields(e) }, "cohort zip cut off");
    output.destroy(e);
  });
  zip.addReadStream(csv, "cohort.csv", { mtime });
  return Readable.toWeb(output) as ReadableStream<Uint8Array>;
}
