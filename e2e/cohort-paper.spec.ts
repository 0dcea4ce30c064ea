import { execFileSync } from "node:child_process";
import { sql } from "drizzle-orm";
import { LABELS } from "@/lib/mimic/import/file-specs";
import { testDb } from "./support/db";
import { expect, test } from "./support/fixtures";
import { E2E_JPG } from "./support/mimic-data";

// Decision 034, one journey: on a phone the explorer fits the screen and its filters open from a
// button; on a desktop a cohort is saved with a seeded, stratified patient-level split and its zip
// is downloaded in the browser and read back by python3 (zipfile + csv, as pandas would read it).
async function count(query: ReturnType<typeof sql>): Promise<number> {
  return Number((await testDb().execute<{ n: string }>(query)).rows[0]!.n);
}
const overflow = (page: import("@playwright/test").Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

test("explorer filters in a drawer at 390×844; a cohort with a seeded split downloads as a zip pandas reads", async ({ page, lab, login }) => {
  const ds = lab.datasetIds.jpg;
  const explorer = `/datasets/${E2E_JPG.slug}/${E2E_JPG.version}`;
  await login("researcher");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(explorer);
  expect(await overflow(page), "explorer at 390 px").toBeLessThanOrEqual(0);
  const facet = page.getByTestId("facet-Edema-positive");
  await expect(facet).toBeHidden();
  await page.getByRole("button", { name: "Filters" }).click();
  await expect(facet).toBeVisible();
  expect(await overflow(page), "open drawer at 390 px").toBeLessThanOrEqual(0);
  await facet.click();
  await expect(page).toHaveURL(/label=Edema%3Apositive/);
  // The drawer closes on navigation; the button counts the filter in force.
  await expect(page.getByRole("button", { name: "Filters (1)" })).toBeVisible();
  await expect(page.getByTestId("facet-Edema-positive")).toBeHidden();
  expect(await overflow(page), "filtered explorer at 390 px").toBeLessThanOrEqual(0);

  await page.setViewportSize({ width: 1280, height: 900 });
  await expect(page.getByRole("button", { name: /^Filters/ })).toBeHidden();
  await expect(page.getByTestId("facet-Edema-positive")).toBeVisible();
  await page.getByPlaceholder("Cohort name").fill("Edema split");
  await page.getByLabel("Patient-level split from a seed").check();
  await page.getByLabel("Seed", { exact: true }).fill("7");
  await page.getByLabel("Stratify by").selectOption("chexpert:Pneumonia");
  await page.getByRole("button", { name: "Save cohort" }).click();
  const row = page.getByTestId("cohort-row").filter({ hasText: "Edema split" });
  await expect(row).toContainText("seed 7, train/validate/test 80/10/10 %, stratified by CheXpert Pneumonia positive");

  const download = page.waitForEvent("download");
  await row.getByTestId("export-zip").click();
  const file = await (await download).path();
  const py = [
    "import csv, io, json, sys, zipfile",
    "z = zipfile.ZipFile(sys.argv[1])",
    "r = csv.DictReader(io.TextIOWrapper(z.open('cohort.csv'), encoding='utf-8', newline=''))",
    "rows = list(r)",
    "print(json.dumps({'names': sorted(z.namelist()), 'columns': r.fieldnames, 'rows': [[x['subject_id'], x['split'], x['jpg_path'], x['chexpert_Edema']] for x in rows], 'filters': json.loads(z.read('filters.json'))}))",
  ].join("\n");
  const z = JSON.parse(execFileSync("python3", ["-c", py, file], { encoding: "utf8" })) as { names: string[]; columns: string[]; rows: string[][]; filters: { split: { seed: number } } };
  expect(z.names).toEqual(["CITATION.cff", "README.txt", "cohort.csv", "filters.json"]);
  expect(z.columns.slice(0, 9)).toEqual(["subject_id", "study_id", "dicom_id", "split", "official_split", "study_date", "view_position", "jpg_path", "dicom_path"]);
  expect(z.columns).toContain("radiologist_Edema");
  const images = await count(sql`
    select count(*) as n from mimic_image i join mimic_study d on d.dataset_id = i.dataset_id and d.study_id = i.study_id
    where i.dataset_id = ${ds} and d.chexpert[${LABELS.indexOf("Edema") + 1}] = 1`);
  expect(z.rows).toHaveLength(images);
  expect(z.rows.every((r) => r[3] === "1.0" && /\.jpg$/.test(r[2]!))).toBe(true);
  const splitOf = new Map<string, Set<string>>();
  for (const [subject, split] of z.rows) splitOf.set(subject!, (splitOf.get(subject!) ?? new Set()).add(split!));
  expect([...splitOf.values()].every((s) => s.size === 1)).toBe(true);
  expect(z.filters.split.seed).toBe(7);

  // The answer is never cached, and the export is on the record.
  const href = await row.getByTestId("export-zip").getAttribute("href");
  const res = await page.request.get(href!);
  expect(res.headers()["cache-control"]).toBe("no-store, private");
  expect(res.headers()["content-type"]).toBe("application/zip");
  const audited = await count(sql`select count(*) as n from audit_log where actor_id = ${lab.researcher.id} and action = 'cohort.export' and details->>'format' = 'zip'`);
  expect(audited).toBe(2);
});
