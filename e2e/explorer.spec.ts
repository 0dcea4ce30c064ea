import { readFileSync } from "node:fs";
import { REPORT_SEARCH_EXAMPLE } from "@/lib/mimic/browse/report-search";
import { LABELS } from "@/lib/mimic/import/file-specs";
import { testDb } from "./support/db";
import { expect, loginAs, test } from "./support/fixtures";
import { E2E_CXR, E2E_JPG } from "./support/mimic-data";
import { sql } from "drizzle-orm";

// Expected numbers come from SQL written here against the raw label arrays and image rows, not from
// the explorer's token index, so the two can disagree if either is wrong.
async function count(query: ReturnType<typeof sql>): Promise<number> {
  const r = await testDb().execute<{ n: string }>(query);
  return Number(r.rows[0]!.n);
}
const idx = (label: string) => LABELS.indexOf(label as (typeof LABELS)[number]) + 1;

test("a granted researcher filters by pathology, opens a study, saves and exports a cohort", async ({ page, lab, login }) => {
  await login("researcher");
  const ds = lab.datasetIds.jpg;
  await page.goto("/datasets");
  await page.getByRole("link", { name: /MIMIC-CXR-JPG/ }).click();
  await expect(page).toHaveURL(new RegExp(`/datasets/${E2E_JPG.slug}/${E2E_JPG.version}$`));
  const all = await count(sql`select count(*) as n from mimic_study where dataset_id = ${ds}`);
  await expect(page.getByTestId("study-total")).toHaveText(String(all));

  // Edema positive or uncertain, among studies with a PA image.
  await page.getByTestId("facet-Edema-positive").click();
  await expect(page).toHaveURL(/label=Edema%3Apositive/);
  const edemaPos = await count(sql`select count(*) as n from mimic_study where dataset_id = ${ds} and chexpert[${idx("Edema")}] = 1`);
  await expect(page.getByTestId("study-total")).toHaveText(String(edemaPos));
  await page.getByTestId("facet-Edema-uncertain").click();
  await expect(page).toHaveURL(/Edema%3Auncertain/);
  await page.getByTestId("view-facets-PA").click();
  await expect(page).toHaveURL(/view=PA/);
  const want = await count(sql`
    select count(*) as n from mimic_study s where s.dataset_id = ${ds} and s.chexpert[${idx("Edema")}] in (1, -1)
      and exists (select 1 from mimic_image i where i.dataset_id = s.dataset_id and i.study_id = s.study_id and i.view_position = 'PA')`);
  expect(want).toBeGreaterThan(0);
  await expect(page.getByTestId("study-total")).toHaveText(String(want));
  await expect(page.getByTestId("study-row")).toHaveCount(want);
  // A facet beside the table counts within the filtered set.
  const pneumoniaNeg = await count(sql`
    select count(*) as n from mimic_study s where s.dataset_id = ${ds} and s.chexpert[${idx("Edema")}] in (1, -1) and s.chexpert[${idx("Pneumonia")}] = 0
      and exists (select 1 from mimic_image i where i.dataset_id = s.dataset_id and i.study_id = s.study_id and i.view_position = 'PA')`);
  await expect(page.getByTestId("facet-Pneumonia-negative")).toHaveText(String(pneumoniaNeg));
  await expect(page.getByTestId("prevalence-chart")).toBeVisible();

  // Sorting by study id ascending puts the smallest id first.
  await page.getByRole("button", { name: /^Study/ }).click();
  await expect(page).toHaveURL(/sort=study_id/);
  const first = await testDb().execute<{ study_id: number }>(sql`
    select s.study_id from mimic_study s where s.dataset_id = ${ds} and s.chexpert[${idx("Edema")}] in (1, -1)
      and exists (select 1 from mimic_image i where i.dataset_id = s.dataset_id and i.study_id = s.study_id and i.view_position = 'PA')
    order by s.study_id ${page.url().includes("dir=asc") ? sql`asc` : sql`desc`} limit 1`);
  const firstId = Number(first.rows[0]!.study_id);
  await expect(page.getByTestId("study-row").first()).toContainText(`s${firstId}`);

  // Open a study: its images, both label sets and no report (JPG ships none).
  const filteredUrl = page.url();
  await page.getByTestId("study-row").first().getByRole("link", { name: `s${firstId}` }).click();
  await expect(page.getByTestId("study-heading")).toHaveText(`Study s${firstId}`);
  const images = await count(sql`select count(*) as n from mimic_image where dataset_id = ${ds} and study_id = ${firstId}`);
  await expect(page.getByTestId("study-images").locator("tbody tr")).toHaveCount(images);
  await expect(page.getByTestId("study-labels")).toContainText("CheXpert");
  await expect(page.getByTestId("study-labels")).toContainText("NegBio");
  await page.goto(filteredUrl);

  // Save the filter as a cohort and export it.
  await page.getByPlaceholder("Cohort name").fill("Edema on PA");
  await page.getByRole("button", { name: "Save cohort" }).click();
  await expect(page.getByTestId("cohort-row")).toContainText("Edema on PA");
  await expect(page.getByTestId("cohort-row")).toContainText(String(want));
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export CSV" }).click();
  const csv = readFileSync(await (await download).path(), "utf8");
  const lines = csv.trim().split("\n");
  expect(lines[0]).toMatch(/^# MIMIC-CXR-JPG.*2\.0\.0 \(mimic-cxr-jpg\) — cohort "Edema on PA"/);
  expect(csv).toContain("# cite: Johnson AEW");
  const header = lines.findIndex((l) => l.startsWith("subject_id,study_id,"));
  expect(lines[header]).toContain("chexpert_Edema");
  const rows = lines.slice(header + 1);
  expect(rows).toHaveLength(want);
  const edemaCol = lines[header]!.split(",").indexOf("chexpert_Edema");
  for (const r of rows) expect(["1.0", "-1.0"]).toContain(r.split(",")[edemaCol]);

  const audit = await count(sql`select count(*) as n from audit_log where actor_id = ${lab.researcher.id} and action = 'study.view' and target_id = ${String(firstId)}`);
  expect(audit).toBe(1);
  const exports = await count(sql`select count(*) as n from audit_log where actor_id = ${lab.researcher.id} and action = 'cohort.export'`);
  expect(exports).toBe(1);
});

// The phrase with its "no", counted on the raw text, not on the text index.
const noFocalConsolidation = (ds: string) => count(sql`select count(*) as n from mimic_study where dataset_id = ${ds} and report ~* ${String.raw`\mno\s+focal\s+consolidation\M`}`);

test("report search keeps short words and shows each row's snippet beside it", async ({ page, lab, login }) => {
  await login("researcher");
  const ds = lab.datasetIds.cxr;
  await page.goto(`/datasets/${E2E_CXR.slug}/${E2E_CXR.version}`);
  await expect(page.getByRole("searchbox", { name: "Report text" })).toHaveAttribute("placeholder", `e.g. ${REPORT_SEARCH_EXAMPLE}`);
  await page.getByRole("searchbox", { name: "Report text" }).fill('"no focal consolidation"');
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/q=%22no\+focal\+consolidation%22/);
  const want = await noFocalConsolidation(ds);
  expect(want).toBeGreaterThan(0);
  await expect(page.getByTestId("study-total")).toHaveText(String(want));
  // Each row carries its own snippet, "No" highlighted with the rest of the phrase.
  const rows = page.getByTestId("study-row");
  await expect(rows).toHaveCount(want);
  await expect(rows.getByTestId("snippet")).toHaveCount(want);
  await expect(rows.first().getByTestId("snippet").locator("mark").first()).toHaveText(/^no$/i);
  await expect(page.getByTestId("filter-chip")).toHaveCount(1);
  await expect(page.getByTestId("filter-chip")).toContainText('Report: "no focal consolidation"');
  await rows.first().getByRole("link").first().click();
  await expect(page.getByTestId("study-report").getByRole("heading", { name: "FINDINGS" })).toBeVisible();
  await expect(page.getByTestId("study-report")).toContainText("Café");
});

test("filters show as removable chips; an empty result offers each filter to drop and no cohort to save", async ({ page, lab, login }) => {
  await login("researcher");
  const ds = lab.datasetIds.cxr;
  const want = await noFocalConsolidation(ds);
  await page.goto(`/datasets/${E2E_CXR.slug}/${E2E_CXR.version}?q=${encodeURIComponent('"no focal consolidation"')}`);
  await expect(page.getByTestId("study-total")).toHaveText(String(want));

  // A second filter that leaves nothing: no cohort of 0 studies, and each filter offered for dropping.
  await page.getByLabel("Study date from").fill("2999-01-01");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByTestId("study-total")).toHaveText("0");
  await expect(page.getByTestId("filter-chip")).toHaveCount(2);
  await expect(page.getByTestId("nothing-to-save")).toBeVisible();
  await expect(page.getByRole("button", { name: "Save cohort" })).toHaveCount(0);
  // Nor does the API save one.
  const emptySave = await page.request.post(`/api/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/cohorts`, { data: { name: "nothing", query: new URL(page.url()).search.slice(1) } });
  expect(emptySave.status()).toBe(400);
  expect((await emptySave.json()).error).toBe("These filters match no study, so there is no cohort to save: drop a filter first.");
  const empty = page.getByTestId("empty-result");
  await expect(empty).toContainText(`Without Study date from 2999-01-01 → ${want} studies`);
  await expect(empty).toContainText('Without Report: "no focal consolidation" → 0 studies');
  await empty.getByRole("link", { name: "Without Study date from 2999-01-01" }).click();
  await expect(page.getByTestId("study-total")).toHaveText(String(want));

  // Removing the search chip shows every study again, without the snippet column.
  await page.getByRole("link", { name: 'Remove filter Report: "no focal consolidation"' }).click();
  const all = await count(sql`select count(*) as n from mimic_study where dataset_id = ${ds}`);
  await expect(page.getByTestId("study-total")).toHaveText(String(all));
  await expect(page.getByTestId("filter-chips")).toHaveCount(0);
  await expect(page.getByTestId("snippet")).toHaveCount(0);
});

test("a member without a grant sees nothing of the dataset, and the refusal is audited", async ({ page, lab, login, allowConsoleErrors }) => {
  allowConsoleErrors(/status of 403/);
  await login("member");
  await page.goto("/datasets");
  await expect(page.getByTestId("datasets")).toContainText("no access");
  await expect(page.getByTestId("datasets").getByRole("link")).toHaveCount(0);
  const res = await page.goto(`/datasets/${E2E_JPG.slug}/${E2E_JPG.version}`);
  expect(res!.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
  const body = await page.content();
  expect(body).not.toMatch(/s5041\d{4}/);
  const study = await testDb().execute<{ study_id: number; subject_id: number; dicom_id: string }>(
    sql`select s.study_id, s.subject_id, i.dicom_id from mimic_study s join mimic_image i using (dataset_id, study_id) where s.dataset_id = ${lab.datasetIds.jpg} limit 1`,
  );
  const { study_id, subject_id, dicom_id } = study.rows[0]!;
  const studyRes = await page.request.get(`/datasets/${E2E_JPG.slug}/${E2E_JPG.version}/studies/${study_id}`);
  expect(studyRes.status()).toBe(403);
  // The refusal echoes only the address that was asked for, nothing the study holds.
  const refusal = await studyRes.text();
  expect(refusal).not.toContain(String(subject_id));
  expect(refusal).not.toContain(dicom_id);
  const saved = await page.request.post(`/api/datasets/${E2E_JPG.slug}/${E2E_JPG.version}/cohorts`, { data: { name: "sneaky", query: "" } });
  expect(saved.status()).toBe(403);
  const denied = await count(sql`select count(*) as n from audit_log where actor_id = ${lab.member.id} and action = 'dataset.access' and outcome = 'denied'`);
  expect(denied).toBe(3);
});

test("facet counts kept for a filter are never shown to a member without a grant, and the researcher's next look reuses them", async ({ page, lab, login, browser }) => {
  await login("researcher");
  const url = `/datasets/${E2E_JPG.slug}/${E2E_JPG.version}?label=Edema%3Apositive`;
  const want = await count(sql`select count(*) as n from mimic_study where dataset_id = ${lab.datasetIds.jpg} and chexpert[${idx("Edema")}] = 1`);
  expect(want).toBeGreaterThan(0);
  await page.goto(url);
  await expect(page.getByTestId("study-total")).toHaveText(String(want));
  const negative = await page.getByTestId("facet-Pneumonia-negative").textContent();
  // The same filter in another order: the same counts (kept; they do not depend on order or page).
  await page.goto(`${url}&sort=study_id&dir=asc`);
  await expect(page.getByTestId("study-total")).toHaveText(String(want));
  await expect(page.getByTestId("facet-Pneumonia-negative")).toHaveText(negative!);

  // The same filter asked by a member of the lab without a grant: refused before any count is read.
  const other = await browser.newContext();
  const memberPage = await other.newPage();
  await loginAs(memberPage, lab.member);
  for (const u of [url, `${url}&sort=study_id&dir=asc`, `${url}&page=2`]) {
    const res = await memberPage.request.get(u);
    expect(res.status()).toBe(403);
    const body = await res.text();
    expect(body).not.toContain("study-total");
    expect(body).not.toContain("facet-Pneumonia");
  }
  await other.close();
});
