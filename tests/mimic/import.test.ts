import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { LABELS } from "@/lib/mimic/import/file-specs";
import { findDataset, importMimicDirectory } from "@/lib/mimic/import/import-directory";
import { listStudies } from "@/lib/mimic/browse/list-studies";
import { parseStudyFilters } from "@/lib/mimic/browse/study-filters";
import { miniCxrFiles, miniJpgFiles, miniStudies, writeMini } from "./mini-mimic";

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "labgate-import-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function dataset(slug: string, version: string) {
  const d = await findDataset({ slug, version });
  if (!d) throw new Error(`reference dataset ${slug} ${version} missing`);
  return d;
}

async function studyRows(datasetId: string) {
  const r = await getDb().execute<{ study_id: number; chexpert: (number | null)[]; negbio: (number | null)[]; study_time: string | null; study_date: string | null; views: string[]; splits: string[]; local_image_count: number }>(
    sql`select study_id, chexpert, negbio, study_time::text, to_char(study_date, 'YYYY-MM-DD') as study_date, views, splits, local_image_count from mimic_study where dataset_id = ${datasetId} order by study_id`,
  );
  return r.rows;
}

const filters = (q: string) => {
  const parsed = parseStudyFilters(new URLSearchParams(q));
  if (!parsed.ok) throw new Error(parsed.errors.join("; "));
  return parsed.filters;
};

describe("importing MIMIC-CXR-JPG", () => {
  it("loads every study with all four label states, padded times and parsed dates; re-import is a no-op", async () => {
    const ds = await dataset("mimic-cxr-jpg", "2.0.0");
    const studies = miniStudies();
    const local = `files/p${String(studies[0]!.subject).slice(0, 2)}/p${studies[0]!.subject}/s${studies[0]!.study}/${studies[0]!.images[0]!.dicom}.jpg`;
    const dir = writeMini(path.join(root, "jpg"), miniJpgFiles(studies), { localImages: [local] });
    const phases: string[] = [];
    const result = await importMimicDirectory({ dir, dataset: ds, onProgress: (p) => phases.push(p.phase) });
    expect(result.status).toBe("succeeded");
    expect(result.counts).toMatchObject({ studies: 12, images: 18, metadata: 18, chexpert: 12, negbio: 12, split: 18, local_images: 1 });
    // Where the time went: every phase measured, together no more than the whole.
    const spent = Object.values(result.phases!);
    expect(Object.keys(result.phases!)).toEqual(["reading", "rows", "indexes", "finishing", "switching"]);
    expect(spent.every((s) => s > 0)).toBe(true);
    expect(spent.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(result.seconds);
    expect(phases).toContain("building tables and indexes");

    const rows = await studyRows(ds.id);
    expect(rows.map((r) => r.study_id)).toEqual(studies.map((s) => s.study).sort((a, b) => a - b));
    const enc = (v: string) => (v === "" ? null : Number(v));
    for (const s of studies) {
      const row = rows.find((r) => r.study_id === s.study)!;
      expect(row.chexpert).toEqual(s.chexpert.map(enc));
      expect(row.negbio).toEqual(s.negbio.map(enc));
      expect(row.views.sort()).toEqual([...new Set(s.images.map((i) => i.view))].sort());
    }
    // Views, splits and the image tokens, read back from the facet bits at import, are what DISTINCT
    // aggregates over the image rows give, in the same order.
    const agree = await getDb().execute<{ compared: string; differ: string }>(sql`
      select count(*) as compared,
        count(*) filter (where d.views <> w.views or d.splits <> w.splits or f.tokens[array_length(f.tokens, 1) - array_length(w.tokens, 1) + 1:] <> w.tokens) as differ
      from mimic_study d join mimic_study_facet f on f.dataset_id = d.dataset_id and f.study_id = d.study_id
      join (select i.study_id, array_agg(distinct coalesce(i.view_position, '')) as views,
              coalesce(array_agg(distinct i.split) filter (where i.split is not null), '{}') as splits,
              array_agg(distinct (300 + v.code)::smallint)
                || coalesce(array_agg(distinct (400 + case i.split when 'train' then 1 when 'validate' then 2 else 3 end)::smallint) filter (where i.split is not null), '{}')
                || case when bool_or(i.present_locally) then '{500}'::smallint[] else '{}'::smallint[] end as tokens
            from mimic_image i join mimic_view v on v.name = coalesce(i.view_position, '') where i.dataset_id = ${ds.id} group by i.study_id) w on w.study_id = d.study_id
      where d.dataset_id = ${ds.id}`);
    expect(agree.rows[0]).toEqual({ compared: "12", differ: "0" });
    const first = rows.find((r) => r.study_id === studies[0]!.study)!;
    expect(first.study_time).toBe("00:53:23.5");
    expect(first.study_date).toBe("2180-01-10");
    expect(first.local_image_count).toBe(1);
    // Every state of every label survives: no state is folded into another.
    const states = new Set(rows.flatMap((r) => r.chexpert));
    expect([...states].sort()).toEqual([-1, 0, 1, null].sort());

    const again = await importMimicDirectory({ dir, dataset: ds });
    expect(again.status).toBe("unchanged");
  });

  it("filters and facets agree with counts computed independently from the source rows", async () => {
    const ds = await dataset("mimic-cxr-jpg", "2.0.0");
    const studies = miniStudies();
    const idx = LABELS.indexOf("Edema");
    const want = studies.filter((s) => s.chexpert[idx] === "1.0" || s.chexpert[idx] === "-1.0").filter((s) => s.images.some((i) => i.view === "PA"));
    const page = await listStudies({ datasetId: ds.id, filters: filters("label=Edema:positive&label=Edema:uncertain&view=PA&sort=study_id&dir=asc") });
    expect(page.total).toBe(want.length);
    expect(page.rows.map((r) => r.studyId)).toEqual(want.map((s) => s.study).sort((a, b) => a - b));
    const wantPos = want.filter((s) => s.chexpert[idx] === "1.0").length;
    expect(page.facets.labels.Edema.positive).toBe(wantPos);
    expect(page.facets.labels.Edema.uncertain).toBe(want.length - wantPos);
    expect(page.facets.views.PA).toBe(want.length);

    const all = await listStudies({ datasetId: ds.id, filters: filters("split=test") });
    expect(all.total).toBe(1);
    const unknownView = await listStudies({ datasetId: ds.id, filters: filters("view=NO SUCH VIEW") });
    expect(unknownView.total).toBe(0);
  });

  it("refuses a corrupted copy with the file and line, and leaves the previous import untouched", async () => {
    const ds = await dataset("mimic-cxr-jpg", "2.0.0");
    const before = await studyRows(ds.id);
    expect(before.length).toBe(12);
    const good = miniJpgFiles();
    const cases: [string, Record<string, Buffer>, RegExp][] = [
      ["bad header", { "mimic-cxr-2.0.0-chexpert.csv.gz": gzipSync("subject_id,study_id,Atelectasis\n1,2,3\n") }, /mimic-cxr-2\.0\.0-chexpert\.csv\.gz line 1: unexpected header/],
      ["truncated gzip", { "mimic-cxr-2.0.0-split.csv.gz": good["mimic-cxr-2.0.0-split.csv.gz"]!.subarray(0, 60) }, /mimic-cxr-2\.0\.0-split\.csv\.gz: the gzip stream is truncated or corrupt/],
      [
        "bad label value",
        { "mimic-cxr-2.0.0-negbio.csv.gz": gzipSync(`subject_id,study_id,${LABELS.join(",")}\n10000032,50414267,${LABELS.map(() => "0.0").join(",")}\n10000032,50415384,2.0${",".repeat(LABELS.length - 1)}\n`) },
        /mimic-cxr-2\.0\.0-negbio\.csv\.gz line 3: Atelectasis is "2\.0"; expected 1\.0, 0\.0, -1\.0 or empty/,
      ],
      ["bad date", { "mimic-cxr-2.0.0-metadata.csv.gz": gzipSync(gunzipLines(good["mimic-cxr-2.0.0-metadata.csv.gz"]!).replace(/,2180011[0-9],/, ",21801345,")) }, /metadata\.csv\.gz line 2: StudyDate is "21801345"/],
      ["missing column", { "mimic-cxr-2.0.0-split.csv.gz": gzipSync("dicom_id,study_id,subject_id,split\nabc,50414267\n") }, /split\.csv\.gz line 2: missing data for column/],
    ];
    for (const [name, change, message] of cases) {
      const dir = writeMini(path.join(root, `bad-${name.replace(/ /g, "-")}`), { ...good, ...change }, { sums: false });
      await expect(importMimicDirectory({ dir, dataset: ds }), name).rejects.toThrow(message);
      expect(await studyRows(ds.id), name).toEqual(before);
    }
    const tables = await getDb().execute(sql`select relname from pg_class where relname ~ '^mimic_(image|study|facet)_i'`);
    expect(tables.rows.filter((r) => !String(r.relname).includes("_pk") && !String(r.relname).includes("idx"))).toHaveLength(3 * 1);
  });

  it("refuses files of the other project, of a later version, and a copy that fails SHA256SUMS.txt", async () => {
    const jpg = await dataset("mimic-cxr-jpg", "2.0.0");
    const cxr = await dataset("mimic-cxr", "2.0.0");
    const dir = writeMini(path.join(root, "mixed"), { ...miniJpgFiles(), "mimic-cxr-reports.zip": Buffer.from("x") });
    await expect(importMimicDirectory({ dir, dataset: jpg })).rejects.toThrow(/mimic-cxr-reports\.zip: this file belongs to MIMIC-CXR \(mimic-cxr\), not MIMIC-CXR-JPG/);
    await expect(importMimicDirectory({ dir: path.join(root, "jpg"), dataset: cxr })).rejects.toThrow(/belongs to MIMIC-CXR-JPG/);
    const later = writeMini(path.join(root, "later"), { ...miniJpgFiles(), "mimic-cxr-2.1.0-test-set-labeled.csv": Buffer.from(`study_id,${LABELS.join(",")}\n`) });
    await expect(importMimicDirectory({ dir: later, dataset: jpg })).rejects.toThrow(/first shipped with version 2\.1\.0/);
    const damaged = writeMini(path.join(root, "damaged"), miniJpgFiles());
    writeFileSync(path.join(damaged, "mimic-cxr-2.0.0-split.csv.gz"), gzipSync("dicom_id,study_id,subject_id,split\n"));
    await expect(importMimicDirectory({ dir: damaged, dataset: jpg })).rejects.toThrow(/split\.csv\.gz: its SHA-256 does not match SHA256SUMS\.txt/);
  });
});

describe("importing MIMIC-CXR reports", () => {
  it("streams the reports out of the zip and finds them by full text with highlighted snippets", async () => {
    const ds = await dataset("mimic-cxr", "2.0.0");
    const dir = writeMini(path.join(root, "cxr"), await miniCxrFiles());
    const result = await importMimicDirectory({ dir, dataset: ds });
    expect(result.counts).toMatchObject({ reports: 12, records: 18, studies: 12 });
    const page = await listStudies({ datasetId: ds.id, filters: filters("q=pleural effusion") });
    expect(page.total).toBe(6);
    expect(page.rows[0]!.snippet).toMatch(/\u0002(pleural|effusion)\u0003/i);
    const text = await getDb().execute<{ report: string }>(sql`select report from mimic_study where dataset_id = ${ds.id} limit 1`);
    expect(text.rows[0]!.report).toContain("Café");
  });
});

function gunzipLines(buf: Buffer): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require("node:zlib") as typeof import("node:zlib")).gunzipSync(buf).toString("utf8");
}
