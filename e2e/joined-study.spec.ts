import { sql } from "drizzle-orm";
import * as schema from "@/db/schema";
import { credentialMember } from "@/lib/factories";
import { LABELS } from "@/lib/mimic/import/file-specs";
import { testDb } from "./support/db";
import { expect, test } from "./support/fixtures";
import { E2E_CXR, E2E_JPG, E2E_VIEWER } from "./support/mimic-data";

// One study across both projects (decision 027). Expected numbers are SQL written here over the two
// versions' wide rows (label arrays, report text), not the explorer's facet bits.
async function count(query: ReturnType<typeof sql>): Promise<number> {
  return Number((await testDb().execute<{ n: string }>(query)).rows[0]!.n);
}
const idx = (label: string) => LABELS.indexOf(label as (typeof LABELS)[number]) + 1;
const CXR = `/datasets/${E2E_CXR.slug}/${E2E_CXR.version}`;
const JPG = `/datasets/${E2E_JPG.slug}/${E2E_JPG.version}`;

test("with both projects a researcher filters Pneumothorax positive + report text and opens one study: labels, report, DICOM and JPG", async ({ page, lab, login }) => {
  // Two sign-ins, four page loads and a viewer opening its image: more than the default minute on a busy machine.
  test.slow();
  // The steward says which versions pair, in the lab's settings.
  await login("steward");
  await page.goto("/settings");
  await page.getByLabel(`MIMIC-CXR-JPG version paired with mimic-cxr ${E2E_CXR.version}`).selectOption({ label: `mimic-cxr-jpg ${E2E_JPG.version}` });
  await page.getByRole("button", { name: "Save pairing" }).click();
  await expect(page.getByTestId("version-pairs").getByRole("status")).toHaveText(/Saved/);
  await page.context().clearCookies();

  await login("researcher");
  await page.goto(CXR);
  await expect(page.getByTestId("joined-sources")).toContainText(`labels, metadata and JPGs from ${E2E_JPG.slug} ${E2E_JPG.version}`);
  await page.getByTestId("facet-Pneumothorax-positive").click();
  await expect(page).toHaveURL(/label=Pneumothorax%3Apositive/);
  await page.getByRole("searchbox", { name: "Report text" }).fill("consolidation");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/q=consolidation/);
  const want = await count(sql`
    select count(*) as n from mimic_study j join mimic_study c on c.dataset_id = ${lab.datasetIds.cxr} and c.study_id = j.study_id
    where j.dataset_id = ${lab.datasetIds.jpg} and j.chexpert[${idx("Pneumothorax")}] = 1 and c.report_tsv @@ websearch_to_tsquery('english', 'consolidation')`);
  expect(want).toBeGreaterThan(0);
  await expect(page.getByTestId("study-total")).toHaveText(String(want));

  const firstLink = page.getByTestId("study-row").first().getByRole("link", { name: /^s\d+$/ });
  const studyId = Number((await firstLink.textContent())!.slice(1));
  await firstLink.click();
  await expect(page.getByTestId("study-heading")).toHaveText(`Study s${studyId}`);
  await expect(page.getByTestId("study-labels")).toContainText("CheXpert");
  await expect(page.getByTestId("study-labels").getByRole("row", { name: /Pneumothorax/ })).toContainText("positive (1.0)");
  await expect(page.getByTestId("study-report")).toContainText("No focal consolidation");
  // Both image sets of the same dicom_id, from their own versions.
  const sets = page.getByTestId("image-sets");
  await expect(sets.getByRole("columnheader")).toHaveText(["dicom_id", "DICOM", "JPG"]);
  const images = await count(sql`select count(*) as n from mimic_image where dataset_id = ${lab.datasetIds.jpg} and study_id = ${studyId}`);
  await expect(sets.getByTestId("image-set-row")).toHaveCount(images);
  await expect(sets.getByTestId("image-set-row").first()).toContainText(".dcm");
  await expect(sets.getByTestId("image-set-row").first()).toContainText(".jpg");
  await page.getByTestId("partner-link").getByRole("link", { name: /^This study in MIMIC-CXR-JPG .* 2\.0\.0 →$/ }).click();
  await expect(page).toHaveURL(new RegExp(`${JPG}/studies/s${studyId}$`));
  await expect(page.getByTestId("study-report")).toContainText("No focal consolidation");

  // The study with files in lab storage: the viewer switches between its DICOM and its JPG.
  await page.goto(`${CXR}/studies/${E2E_VIEWER.study}`);
  await expect(page.getByTestId("study-images").getByRole("button", { name: "View" })).toHaveCount(2);
  const jpgBytes = page.waitForResponse((r) => r.url().includes(`/api${JPG}/images/${E2E_VIEWER.jpg.dicomId}`) && r.status() === 200);
  await page.getByTestId("image-set-jpg").click();
  await jpgBytes;
  await expect(page.getByTestId("study-images").locator("tbody tr")).toHaveCount(await count(sql`select count(*) as n from mimic_image where dataset_id = ${lab.datasetIds.jpg} and study_id = ${E2E_VIEWER.study}`));
  const seen = await count(sql`select count(*) as n from audit_log where actor_id = ${lab.researcher.id} and action in ('study.view', 'study.view_report') and target_id = ${String(E2E_VIEWER.study)}`);
  // Each version's part of the study is its own audit row, every time the page is opened.
  expect(seen).toBe(4);
});

test("with one project only, the other project's parts are hidden and say which access shows them", async ({ page, lab, login }) => {
  const db = testDb();
  await db.insert(schema.mimicVersionPairs).values({ labId: lab.lab.id, cxrDatasetId: lab.datasetIds.cxr, jpgDatasetId: lab.datasetIds.jpg, createdBy: lab.steward.id });
  await credentialMember(db, { labId: lab.lab.id, userId: lab.member.id, stewardId: lab.steward.id, datasetIds: [lab.datasetIds.jpg] });
  await login("member");
  await page.goto(JPG);
  await expect(page.getByTestId("joined-hidden")).toContainText(`the report texts (report search) come from MIMIC-CXR Database ${E2E_CXR.version} (${E2E_CXR.slug}), and you do not hold access to that version`);
  await page.goto(`${JPG}/studies/${E2E_VIEWER.study}`);
  await expect(page.getByTestId("study-labels")).toContainText("CheXpert");
  await expect(page.getByTestId("study-report-hidden")).toContainText(`Hidden: the report and DICOM images come from MIMIC-CXR Database ${E2E_CXR.version}`);
  await expect(page.getByTestId("study-report")).not.toContainText("FINDINGS");
  await expect(page.getByTestId("image-set-hidden-dicom")).toContainText(`${E2E_CXR.slug} ${E2E_CXR.version}: you do not hold access to it`);
  await expect(page.getByTestId("partner-link")).toContainText("which you do not hold access to");
  // The hidden version's bytes stay refused at their own route.
  const dicom = await page.request.get(`/api${CXR}/images/${E2E_VIEWER.dicom[0].dicomId}`);
  expect(dicom.status()).toBe(403);
});

test("the disagreement table counts what SQL counts, and each cell opens its studies", async ({ page, lab, login }) => {
  await login("researcher");
  await page.goto(`${JPG}/disagreement?label=Pneumothorax`);
  const i = idx("Pneumothorax");
  const rows = await testDb().execute<{ c: number | null; b: number | null; n: string }>(sql`
    select chexpert[${i}] as c, negbio[${i}] as b, count(*) as n from mimic_study
    where dataset_id = ${lab.datasetIds.jpg} and chexpert is not null and negbio is not null group by 1, 2`);
  const state = (v: number | null) => (v === 1 ? "positive" : v === 0 ? "negative" : v === -1 ? "uncertain" : "not-mentioned");
  const want = new Map(rows.rows.map((r) => [`${state(r.c)}-${state(r.b)}`, Number(r.n)]));
  const states = ["positive", "negative", "uncertain", "not-mentioned"];
  for (const c of states) for (const b of states) await expect(page.getByTestId("disagreement-table").getByTestId(`cell-${c}-${b}`), `${c}/${b}`).toHaveText(String(want.get(`${c}-${b}`) ?? 0));
  const [cell, n] = [...want].find(([k, v]) => v > 0 && k.split("-")[0] !== k.split("-").slice(1).join("-"))!;
  await page.getByTestId("disagreement-table").getByTestId(`cell-${cell}`).click();
  await expect(page).toHaveURL(/src=chexpert%3APneumothorax/);
  await expect(page.getByTestId("source-filters")).toContainText("CheXpert Pneumothorax");
  await expect(page.getByTestId("study-total")).toHaveText(String(n));
  await page.goBack();
  await page.getByTestId("disagree-link").click();
  await expect(page).toHaveURL(/disagree=Pneumothorax/);
  const disagree = await count(sql`
    select count(*) as n from mimic_study where dataset_id = ${lab.datasetIds.jpg} and chexpert is not null and negbio is not null and chexpert[${i}] is distinct from negbio[${i}]`);
  await expect(page.getByTestId("study-total")).toHaveText(String(disagree));
});
