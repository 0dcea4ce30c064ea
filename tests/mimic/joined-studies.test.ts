import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labDatasets } from "@/db/schema";
import type { CurrentUser } from "@/lib/auth/current-user";
import { getDb } from "@/lib/db/client";
import { createLab, createUser, credentialMember } from "@/lib/factories";
import { labelDisagreement } from "@/lib/mimic/browse/label-disagreement";
import { countStudies, listStudies } from "@/lib/mimic/browse/list-studies";
import { parseStudyFilters, type StudyFilters } from "@/lib/mimic/browse/study-filters";
import { LABELS } from "@/lib/mimic/import/file-specs";
import { findDataset, importMimicDirectory } from "@/lib/mimic/import/import-directory";
import { resolveJoinedSources } from "@/lib/mimic/pairing/joined-sources";
import { findPairedVersion, setVersionPair } from "@/lib/mimic/pairing/version-pairs";
import { writeSyntheticVersion } from "@/lib/mimic/synth/write-version";
import { LABEL_STATES, type LabelState } from "@/lib/mimic/tokens";
import { isolatedDatabaseForFile } from "../support/isolated-database";

// Its own database: the disagreement table counts every study of the dataset.
isolatedDatabaseForFile();

/**
 * One study across both projects (decision 027), on synthetic MIMIC-CXR 2.1.0 and MIMIC-CXR-JPG
 * 2.1.0 made with one seed (the same studies). Every expected figure is SQL written here over the
 * wide study rows (label arrays, report text), which share nothing with the facet bits and tokens.
 */
let root: string;
let jpg: { id: string; slug: string; version: string; title: string; duaName: string; duaVersion: string };
let cxr: typeof jpg;
let steward: CurrentUser;
let both: CurrentUser;
let jpgOnly: CurrentUser;

const asUser = (u: Awaited<ReturnType<typeof createUser>>, labId: string): CurrentUser => ({ id: u.id, email: u.email, name: u.name, role: u.role, labId });
const ref = (d: { id: string; slug: string; version: string }) => ({ ...d, title: d.slug, duaName: "", duaVersion: "" });

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "labgate-joined-"));
  for (const project of ["mimic-cxr-jpg", "mimic-cxr"] as const) {
    const dir = path.join(root, project);
    await writeSyntheticVersion({ out: dir, project, version: "2.1.0", studies: 1000, seed: 27 });
    const ds = (await findDataset({ slug: project, version: "2.1.0" }))!;
    await importMimicDirectory({ dir, dataset: ds });
    if (project === "mimic-cxr") cxr = ref(ds);
    else jpg = ref(ds);
  }
  const db = getDb();
  const lab = await createLab(db);
  for (const d of [jpg, cxr]) await db.insert(labDatasets).values({ labId: lab.id, datasetId: d.id });
  steward = asUser(await createUser(db, { labId: lab.id, role: "steward" }), lab.id);
  both = asUser(await createUser(db, { labId: lab.id, role: "member" }), lab.id);
  jpgOnly = asUser(await createUser(db, { labId: lab.id, role: "member" }), lab.id);
  await credentialMember(db, { labId: lab.id, userId: both.id, stewardId: steward.id, datasetIds: [jpg.id, cxr.id] });
  await credentialMember(db, { labId: lab.id, userId: jpgOnly.id, stewardId: steward.id, datasetIds: [jpg.id] });
}, 180_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

function filters(q: string): StudyFilters {
  const parsed = parseStudyFilters(new URLSearchParams(q));
  if (!parsed.ok) throw new Error(parsed.errors.join("; "));
  return parsed.filters;
}
async function n(query: ReturnType<typeof sql>): Promise<number> {
  return Number((await getDb().execute<{ n: string }>(query)).rows[0]!.n);
}
const idx = (l: string) => LABELS.indexOf(l as (typeof LABELS)[number]) + 1;
const VALUE: Record<LabelState, string> = { positive: "= 1", negative: "= 0", uncertain: "= -1", "not-mentioned": "is null" };

describe("pairing is a steward's explicit, audited statement", () => {
  it("nothing is joined before a steward pairs the versions", async () => {
    const s = await resolveJoinedSources({ user: both, dataset: cxr });
    expect(s).toMatchObject({ side: "cxr", partner: null, labelsDatasetId: cxr.id, reportDatasetId: cxr.id, joined: false });
  });

  it("refuses a pair that is not one MIMIC-CXR and one MIMIC-CXR-JPG version of the lab", async () => {
    await expect(setVersionPair({ actor: steward, cxrDatasetId: jpg.id, jpgDatasetId: cxr.id, ip: null })).rejects.toThrow("Choose a MIMIC-CXR version your lab holds");
    await expect(setVersionPair({ actor: steward, cxrDatasetId: cxr.id, jpgDatasetId: cxr.id, ip: null })).rejects.toThrow("Choose a MIMIC-CXR-JPG version your lab holds");
    const other = await createLab(getDb());
    const stranger = asUser(await createUser(getDb(), { labId: other.id, role: "steward" }), other.id);
    await expect(setVersionPair({ actor: stranger, cxrDatasetId: cxr.id, jpgDatasetId: jpg.id, ip: null })).rejects.toThrow("Choose a MIMIC-CXR version your lab holds");
  });

  it("pairs both ways and writes one audit row", async () => {
    await setVersionPair({ actor: steward, cxrDatasetId: cxr.id, jpgDatasetId: jpg.id, ip: "127.0.0.1" });
    // Saying it again changes nothing and is not a second event.
    await setVersionPair({ actor: steward, cxrDatasetId: cxr.id, jpgDatasetId: jpg.id, ip: "127.0.0.1" });
    expect(await findPairedVersion({ labId: steward.labId, datasetId: cxr.id })).toMatchObject({ id: jpg.id, side: "jpg" });
    expect(await findPairedVersion({ labId: steward.labId, datasetId: jpg.id })).toMatchObject({ id: cxr.id, side: "cxr" });
    const audit = await getDb().execute<{ details: Record<string, unknown> }>(sql`select details from audit_log where actor_id = ${steward.id} and action = 'dataset.pair'`);
    expect(audit.rows.map((r) => r.details)).toEqual([{ dataset: "mimic-cxr/2.1.0", pairedWith: "mimic-cxr-jpg/2.1.0", replaced: 0 }]);
  });
});

describe("each part only with access to the version it comes from", () => {
  it("a member holding both reads labels from the JPG version and reports from MIMIC-CXR, on either page", async () => {
    for (const page of [cxr, jpg]) {
      expect(await resolveJoinedSources({ user: both, dataset: page })).toMatchObject({ labelsDatasetId: jpg.id, reportDatasetId: cxr.id, joined: true });
    }
  });

  it("a member holding the JPG version only keeps its own parts; the report's version is named as hidden", async () => {
    const s = await resolveJoinedSources({ user: jpgOnly, dataset: jpg });
    expect(s).toMatchObject({ labelsDatasetId: jpg.id, reportDatasetId: jpg.id, joined: false, partner: { id: cxr.id, access: false } });
  });

  it("label + report text filters count exactly the studies SQL over both versions' rows finds", async () => {
    const f = filters("label=Pneumothorax:positive&q=pneumothorax");
    const want = await n(sql`
      select count(*) as n from mimic_study j join mimic_study c on c.dataset_id = ${cxr.id} and c.study_id = j.study_id
      where j.dataset_id = ${jpg.id} and j.chexpert[${idx("Pneumothorax")}] = 1 and c.report_tsv @@ websearch_to_tsquery('english', 'pneumothorax')`);
    expect(want).toBeGreaterThan(0);
    const page = await listStudies({ datasetId: jpg.id, reportDatasetId: cxr.id, filters: f });
    expect(page.total).toBe(want);
    expect(page.rows.every((r) => r.labels.Pneumothorax === "positive" && r.snippet !== null)).toBe(true);
    // Without the pairing the same filter on MIMIC-CXR alone finds nothing: it has no labels.
    expect(await countStudies({ datasetId: cxr.id, filters: f })).toBe(0);
  });
});

describe("label sources and where they disagree", () => {
  it("the CheXpert × NegBio table of every label equals SQL over the imported label arrays", async () => {
    for (const label of LABELS) {
      const table = await labelDisagreement({ datasetId: jpg.id, label });
      const rows = await getDb().execute<{ c: number | null; b: number | null; n: string }>(sql`
        select chexpert[${idx(label)}] as c, negbio[${idx(label)}] as b, count(*) as n from mimic_study
        where dataset_id = ${jpg.id} and chexpert is not null and negbio is not null group by 1, 2`);
      const state = (v: number | null): LabelState => (v === 1 ? "positive" : v === 0 ? "negative" : v === -1 ? "uncertain" : "not-mentioned");
      const want = Object.fromEntries(LABEL_STATES.map((a) => [a, Object.fromEntries(LABEL_STATES.map((b) => [b, 0]))]));
      for (const r of rows.rows) want[state(r.c)]![state(r.b)]! += Number(r.n);
      expect(table.cells, label).toEqual(want);
    }
  });

  it("a cell's link and the 'disagree on X' filter select the studies the table counts", async () => {
    const label = "Pneumothorax";
    const table = await labelDisagreement({ datasetId: jpg.id, label });
    for (const c of LABEL_STATES) {
      for (const b of LABEL_STATES) {
        expect(await countStudies({ datasetId: jpg.id, filters: filters(`src=chexpert:${label}:${c}&src=negbio:${label}:${b}`) }), `${c}/${b}`).toBe(table.cells[c][b]);
      }
    }
    const disagree = await n(sql`
      select count(*) as n from mimic_study where dataset_id = ${jpg.id} and chexpert is not null and negbio is not null
        and chexpert[${idx(label)}] is distinct from negbio[${idx(label)}]`);
    expect(disagree).toBeGreaterThan(0);
    expect(await countStudies({ datasetId: jpg.id, filters: filters(`disagree=${label}`) })).toBe(disagree);
  });

  it("on the test set, CheXpert and NegBio × the radiologists equal SQL over the label arrays, and a cell's filter selects its studies", async () => {
    const state = (v: number | null): LabelState => (v === 1 ? "positive" : v === 0 ? "negative" : v === -1 ? "uncertain" : "not-mentioned");
    for (const rowsBy of ["chexpert", "negbio"] as const) {
      for (const label of ["Edema", "Pneumothorax", "No Finding"] as const) {
        const table = await labelDisagreement({ datasetId: jpg.id, label, rows: rowsBy, cols: "radiologist" });
        const rows = await getDb().execute<{ a: number | null; b: number | null; n: string }>(sql`
          select ${sql.raw(rowsBy)}[${idx(label)}] as a, test_labels[${idx(label)}] as b, count(*) as n from mimic_study
          where dataset_id = ${jpg.id} and ${sql.raw(rowsBy)} is not null and test_labels is not null group by 1, 2`);
        const want = Object.fromEntries(LABEL_STATES.map((a) => [a, Object.fromEntries(LABEL_STATES.map((b) => [b, 0]))]));
        for (const r of rows.rows) want[state(r.a)]![state(r.b)]! += Number(r.n);
        expect(table.cells, `${rowsBy} ${label}`).toEqual(want);
        expect(table.both).toBeGreaterThan(0);
      }
    }
    const t = await labelDisagreement({ datasetId: jpg.id, label: "Edema", rows: "chexpert", cols: "radiologist" });
    const [a, b] = (["positive", "negative", "uncertain", "not-mentioned"] as const).flatMap((x) => LABEL_STATES.map((y) => [x, y] as const)).find(([x, y]) => t.cells[x][y] > 0)!;
    expect(await countStudies({ datasetId: jpg.id, filters: filters(`src=chexpert:Edema:${a}&src=radiologist:Edema:${b}`) })).toBe(t.cells[a][b]);
  });

  it("radiologist labels are a labeler of their own: the test set's studies, each state as SQL counts it", async () => {
    const labelled = await n(sql`select count(*) as n from mimic_study where dataset_id = ${jpg.id} and test_labels is not null`);
    expect(labelled).toBeGreaterThan(0);
    const page = await listStudies({ datasetId: jpg.id, filters: filters("labeler=radiologist") });
    expect(page.total).toBe(labelled);
    for (const state of LABEL_STATES) {
      const want = await n(sql`select count(*) as n from mimic_study where dataset_id = ${jpg.id} and test_labels is not null and test_labels[${idx("Edema")}] ${sql.raw(VALUE[state])}`);
      expect(page.facets.labels.Edema[state], state).toBe(want);
      expect(await countStudies({ datasetId: jpg.id, filters: filters(`labeler=radiologist&label=Edema:${state}`) })).toBe(want);
    }
  });
});

describe("pairing under concurrency", () => {
  it("stewards pairing the same MIMIC-CXR version at once leave one pair, each side paired once", async () => {
    const jpg200 = (await findDataset({ slug: "mimic-cxr-jpg", version: "2.0.0" }))!;
    await getDb().insert(labDatasets).values({ labId: steward.labId, datasetId: jpg200.id });
    const choices = Array.from({ length: 8 }, (_, i) => (i % 2 ? jpg.id : jpg200.id));
    await Promise.all(choices.map((j) => setVersionPair({ actor: steward, cxrDatasetId: cxr.id, jpgDatasetId: j, ip: null })));
    const rows = await getDb().execute<{ cxr: string; jpg: string }>(sql`select cxr_dataset_id as cxr, jpg_dataset_id as jpg from mimic_version_pairs where lab_id = ${steward.labId}`);
    expect(rows.rows).toHaveLength(1);
    expect([jpg.id, jpg200.id]).toContain(rows.rows[0]!.jpg);
    // Removing it leaves nothing joined.
    await setVersionPair({ actor: steward, cxrDatasetId: cxr.id, jpgDatasetId: null, ip: null });
    expect(await findPairedVersion({ labId: steward.labId, datasetId: cxr.id })).toBeNull();
    expect((await resolveJoinedSources({ user: both, dataset: jpg })).joined).toBe(false);
  });
});
