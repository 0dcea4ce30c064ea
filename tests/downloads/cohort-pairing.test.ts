import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessGrants, datasets, downloadJobs, labDatasets } from "@/db/schema";
import type { CurrentUser } from "@/lib/auth/current-user";
import { getDb } from "@/lib/db/client";
import { iterateManifest, manifestCsvStream } from "@/lib/api/cohort-manifest";
import { MANIFEST_COLUMNS } from "@/lib/api/schemas";
import { csvChunk } from "@/lib/csv/safe-csv";
import { cohortStudyIds, resolveCohortSources } from "@/lib/downloads/cohort-studies";
import { createDownloadJob } from "@/lib/downloads/create";
import { prepareDownloadJob } from "@/lib/downloads/prepare";
import type { Selection } from "@/lib/downloads/selection";
import { createLab, createUser, credentialMember } from "@/lib/factories";
import { countStudies } from "@/lib/mimic/browse/list-studies";
import { parseStudyFilters } from "@/lib/mimic/browse/study-filters";
import { saveCohort } from "@/lib/mimic/cohorts/cohorts";
import { LABELS } from "@/lib/mimic/import/file-specs";
import { findDataset, importMimicDirectory } from "@/lib/mimic/import/import-directory";
import { resolveJoinedSources } from "@/lib/mimic/pairing/joined-sources";
import { setVersionPair } from "@/lib/mimic/pairing/version-pairs";
import { writeSyntheticVersion } from "@/lib/mimic/synth/write-version";
import { isolatedDatabaseForFile } from "../support/isolated-database";

// Its own database: it imports MIMIC-CXR and MIMIC-CXR-JPG versions that other files import too.
isolatedDatabaseForFile();

/**
 * A download of a MIMIC-CXR cohort selects the studies the explorer counted for it (decision 027):
 * over the paired JPG version's labels, for the member who starts the download, by the access rule.
 * Expected ids are SQL written here over the JPG version's wide label arrays, not the facet table.
 */
type Version = { id: string; slug: string; version: string; title: string };
let root: string;
let cxr: Version;
let jpg: Version;
let steward: CurrentUser;
let both: CurrentUser;
let cxrOnly: CurrentUser;
let cohortId: string;
let cohortCount: number;

const LABEL = "Edema";
const asUser = (u: Awaited<ReturnType<typeof createUser>>, labId: string): CurrentUser => ({ id: u.id, email: u.email, name: u.name, role: u.role, labId });
const cohortSelection = (): Selection => ({ mode: "filter", metadata: false, reports: false, images: "dcm", other: false, studies: { kind: "cohort", cohortId } });

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "labgate-dl-pair-"));
  // One seed: the same studies in both projects; different version numbers, as a lab may hold.
  for (const [project, version] of [["mimic-cxr", "2.0.0"], ["mimic-cxr-jpg", "2.1.0"]] as const) {
    const dir = path.join(root, project);
    await writeSyntheticVersion({ out: dir, project, version, studies: 100, seed: 15 });
    const found = (await findDataset({ slug: project, version }))!;
    await importMimicDirectory({ dir, dataset: found });
    const [ds] = await getDb().select({ id: datasets.id, slug: datasets.slug, version: datasets.version, title: datasets.title }).from(datasets).where(eq(datasets.id, found.id));
    if (project === "mimic-cxr") cxr = ds!;
    else jpg = ds!;
  }
  const db = getDb();
  const lab = await createLab(db);
  for (const d of [cxr, jpg]) await db.insert(labDatasets).values({ labId: lab.id, datasetId: d.id });
  steward = asUser(await createUser(db, { labId: lab.id, role: "steward" }), lab.id);
  both = asUser(await createUser(db, { labId: lab.id, role: "member" }), lab.id);
  cxrOnly = asUser(await createUser(db, { labId: lab.id, role: "member" }), lab.id);
  await credentialMember(db, { labId: lab.id, userId: both.id, stewardId: steward.id, datasetIds: [cxr.id, jpg.id] });
  await credentialMember(db, { labId: lab.id, userId: cxrOnly.id, stewardId: steward.id, datasetIds: [cxr.id] });
  await setVersionPair({ actor: steward, cxrDatasetId: cxr.id, jpgDatasetId: jpg.id, ip: null });
  // Saved as the explorer's cohort route saves it: counted over the sources the member holds.
  const sources = await resolveJoinedSources({ user: both, dataset: cxr });
  const cohort = await saveCohort({ user: both, datasetId: cxr.id, name: "Edema", query: `label=${LABEL}:positive`, labelsDatasetId: sources.labelsDatasetId, reportDatasetId: sources.reportDatasetId });
  cohortId = cohort.id;
  cohortCount = cohort.studyCount;
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("a download of a paired MIMIC-CXR cohort", () => {
  it("selects the study ids SQL finds over the paired JPG version's labels, as many as the explorer counted", async () => {
    const want = await getDb().execute<{ study_id: number }>(sql`
      select study_id from mimic_study where dataset_id = ${jpg.id} and chexpert[${LABELS.indexOf(LABEL) + 1}] = 1 order by study_id`);
    const wantIds = want.rows.map((r) => Number(r.study_id));
    expect(wantIds.length).toBeGreaterThan(3);
    // MIMIC-CXR alone has no labels: reading the cohort over its own version selects nothing.
    expect(await countStudies({ datasetId: cxr.id, filters: filtersOf(`label=${LABEL}:positive`) })).toBe(0);
    const ids = await cohortStudyIds(getDb(), { user: both, cohortId });
    expect([...ids].sort((a, b) => a - b)).toEqual(wantIds);
    expect(ids.size).toBe(cohortCount);
  });

  it("the API's cohort manifest (labgate pull) lists this version's images of those studies, with the JPG version's labels", async () => {
    const sources = await resolveCohortSources(getDb(), { user: both, cohortId });
    if (!sources.ok) throw new Error(sources.message);
    const want = await getDb().execute<{ path: string; study_id: number }>(sql`
      select i.path, i.study_id from mimic_image i join mimic_study j on j.dataset_id = ${jpg.id} and j.study_id = i.study_id
      where i.dataset_id = ${cxr.id} and j.chexpert[${LABELS.indexOf(LABEL) + 1}] = 1 order by i.study_id, i.dicom_id`);
    expect(want.rows.length).toBeGreaterThan(3);
    const rows: Record<string, string>[] = [];
    const values: unknown[][] = [[...MANIFEST_COLUMNS]];
    const opts = { labId: both.labId, datasetId: cxr.id, filters: sources.filters, labelsDatasetId: sources.labelsDatasetId, reportDatasetId: sources.reportDatasetId };
    for await (const r of iterateManifest({ ...opts, studiesPerBatch: 7 })) {
      rows.push(Object.fromEntries(MANIFEST_COLUMNS.map((c, i) => [c, String(r[i])])));
      values.push(r);
    }
    // What the route streams (one COPY, the JPG version's studies and labels joined in SQL): the same bytes.
    expect(Buffer.from(await new Response(manifestCsvStream(opts)).arrayBuffer()).toString("utf8")).toBe(csvChunk(values));
    expect(rows.map((r) => [r.path, Number(r.study_id)])).toEqual(want.rows.map((r) => [r.path, Number(r.study_id)]));
    expect(rows.every((r) => r[`chexpert_${LABEL}`] === "1.0")).toBe(true);
    // The refusal the route sends (403) for a caller without the JPG version names it.
    expect(await resolveCohortSources(getDb(), { user: cxrOnly, cohortId })).toMatchObject({ ok: false, datasetId: jpg.id, dataset: `mimic-cxr-jpg/${jpg.version}` });
  });

  it("refuses a member without the JPG version at creation, naming the version, and audits the refusal", async () => {
    const named = `labels and image metadata of ${jpg.title} ${jpg.version} (mimic-cxr-jpg), the version your lab pairs with ${cxr.title} ${cxr.version} (mimic-cxr), and you do not hold access to it.`;
    await expect(createDownloadJob({ user: cxrOnly, ip: "127.0.0.1", input: { datasetId: cxr.id, selection: cohortSelection(), password: "pw-unused", keepPassword: false, concurrency: 4 } })).rejects.toThrow(named);
    const audit = await getDb().execute<{ outcome: string; target_id: string }>(sql`select outcome, target_id from audit_log where actor_id = ${cxrOnly.id} and action = 'download.create'`);
    expect(audit.rows).toEqual([{ outcome: "denied", target_id: jpg.id }]);
    await expect(cohortStudyIds(getDb(), { user: cxrOnly, cohortId })).rejects.toThrow(named);
  });

  it("stops a prepared job whose owner lost the JPG version since, before asking PhysioNet anything", async () => {
    const at = new Date();
    const [job] = await getDb()
      .insert(downloadJobs)
      .values({ labId: both.labId, userId: both.id, datasetId: cxr.id, selection: cohortSelection(), description: "DICOM images of cohort “Edema”", createdAt: at, updatedAt: at })
      .returning({ id: downloadJobs.id });
    await getDb().update(accessGrants).set({ status: "revoked" }).where(and(eq(accessGrants.userId, both.id), eq(accessGrants.datasetId, jpg.id)));
    const spawned: number[] = [];
    // Nothing listens there: a prepare that got as far as PhysioNet would fail with another message.
    await prepareDownloadJob({ jobId: job!.id, source: { baseUrl: "http://127.0.0.1:9/", caCertificate: null }, onSpawn: ({ pid }) => spawned.push(pid) });
    const [row] = await getDb().select({ state: downloadJobs.state, error: downloadJobs.error }).from(downloadJobs).where(eq(downloadJobs.id, job!.id));
    expect(row!.state).toBe("stopped");
    expect(row!.error).toContain(`of ${jpg.title} ${jpg.version} (mimic-cxr-jpg), the version your lab pairs with`);
    expect(spawned).toEqual([]);
  });
});

function filtersOf(q: string) {
  const parsed = parseStudyFilters(new URLSearchParams(q));
  if (!parsed.ok) throw new Error(parsed.errors.join("; "));
  return parsed.filters;
}
