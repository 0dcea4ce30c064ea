import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import type { Page } from "@playwright/test";
import * as schema from "@/db/schema";
import { seedCohort, seedStoredImages, type SeededFile } from "./support/api-files";
import { testDb } from "./support/db";
import { expect, test } from "./support/fixtures";
import { E2E_JPG } from "./support/mimic-data";

// Each test starts the CLI (tsx) and waits for a throttled pull: slow on a loaded machine. At 32 KiB/s
// the 18 files of 32 KiB take ~18 s, so the revocation lands while the pull still runs; it ends early.
test.describe.configure({ timeout: 120_000 });

type Run = { code: Promise<number>; out: () => string };

/** Runs the labgate CLI as a person would, with the token in the environment. */
function runCli(args: string[], env: { url: string; token: string }, opts: { npm?: boolean } = {}): Run {
  let out = "";
  const child = opts.npm
    ? spawn("npm", ["run", "labgate", "--", ...args], { env: { ...process.env, LABGATE_URL: env.url, LABGATE_TOKEN: env.token } })
    : spawn(process.execPath, ["--import", "tsx", "scripts/labgate.ts", ...args], { env: { ...process.env, LABGATE_URL: env.url, LABGATE_TOKEN: env.token } });
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  return { code: new Promise((resolve) => child.on("close", (c) => resolve(c ?? -1))), out: () => out };
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

function expectVerifiedCopy(dir: string, files: SeededFile[]) {
  for (const f of files) expect(createHash("sha256").update(readFileSync(path.join(dir, f.path))).digest("hex"), f.path).toBe(f.sha256);
}

/** Creates a token on the tokens page and reads the secret it shows once. */
async function createTokenInBrowser(page: Page, name: string): Promise<string> {
  await page.goto("/account/tokens");
  await page.getByLabel("Name (what it is for)").fill(name);
  await page.getByRole("button", { name: "Create token" }).click();
  const secret = (await page.getByTestId("token-secret").textContent())!;
  expect(secret).toMatch(/^lgt_[A-Za-z0-9_-]{43}$/);
  return secret;
}

test("a token made in the browser lets the CLI mirror a cohort, verified; a re-run fetches nothing", async ({ page, lab, login, baseURL }) => {
  await login("researcher");
  const files = await seedStoredImages({ labId: lab.lab.id, datasetId: lab.datasetIds.jpg, bytesEach: 4096 });
  await seedCohort({ labId: lab.lab.id, datasetId: lab.datasetIds.jpg, createdBy: lab.researcher.id, name: "my-cohort" });
  const token = await createTokenInBrowser(page, "e2e pull");
  await expect(page.getByTestId("own-tokens")).toContainText("e2e pull");

  // A cohort's split travels with it to code: the official one, or the seeded spec that redraws it.
  const seeded = { kind: "random", seed: 7, ratios: { train: 80, validate: 10, test: 10 }, stratify: { labeler: "chexpert", label: "Edema" } };
  await seedCohort({ labId: lab.lab.id, datasetId: lab.datasetIds.jpg, createdBy: lab.researcher.id, name: "seeded", split: seeded });
  const listed = await fetch(`${baseURL}/api/v1/datasets/${E2E_JPG.slug}/${E2E_JPG.version}/cohorts`, { headers: { authorization: `Bearer ${token}` } });
  expect(listed.status).toBe(200);
  const cohorts = ((await listed.json()) as { cohorts: { name: string; split: unknown; splitDescription: string }[] }).cohorts;
  expect(cohorts.find((c) => c.name === "my-cohort")).toMatchObject({ split: { kind: "official" }, splitDescription: expect.stringContaining("official MIMIC-CXR-JPG split") });
  expect(cohorts.find((c) => c.name === "seeded")).toMatchObject({ split: seeded, splitDescription: "patient-level random split, seed 7, train/validate/test 80/10/10 %, stratified by CheXpert Edema positive" });

  // The README's command, exactly as written there (its directory is relative to the checkout).
  const dir = path.resolve("my-cohort");
  rmSync(dir, { recursive: true, force: true });
  try {
    const first = runCli(["pull", "my-cohort", "--to", "./my-cohort"], { url: baseURL!, token }, { npm: true });
    expect(await first.code, first.out()).toBe(0);
    expect(first.out()).toContain(`done: ${files.length} fetched, 0 already there, 0 failed`);
    expect(first.out()).toMatch(/progress: 18\/18 files/);
    expectVerifiedCopy(dir, files);
    const manifest = readFileSync(path.join(dir, "manifest.csv"), "utf8").trim().split("\n");
    expect(manifest[0]).toMatch(/^path,size,sha256,in_storage,dicom_id,subject_id,study_id,study_date,split,view_position,chexpert_Atelectasis,/);
    expect(manifest).toHaveLength(files.length + 1);

    // A damaged copy and a missing file are fetched again; the rest is kept.
    rmSync(path.join(dir, files[0]!.path));
    const damaged = path.join(dir, files[1]!.path);
    writeFileSync(damaged, Buffer.alloc(4096));
    const again = runCli(["pull", "my-cohort", "--to", "./my-cohort"], { url: baseURL!, token });
    expect(await again.code, again.out()).toBe(0);
    expect(again.out()).toContain(`done: 2 fetched, ${files.length - 2} already there, 0 failed`);
    expectVerifiedCopy(dir, files);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // Every file read was audited with the token's id.
  const [t] = await testDb().select({ id: schema.apiTokens.id }).from(schema.apiTokens).where(eq(schema.apiTokens.userId, lab.researcher.id));
  const reads = await testDb().select().from(schema.auditLog).where(and(eq(schema.auditLog.actorId, lab.researcher.id), eq(schema.auditLog.action, "api.file_read")));
  expect(reads).toHaveLength(files.length + 2);
  expect(reads.every((r) => (r.details as { tokenId?: string }).tokenId === t!.id)).toBe(true);
});

async function slowPullSetup(lab: { lab: { id: string }; datasetIds: { jpg: string }; researcher: { id: string } }) {
  const files = await seedStoredImages({ labId: lab.lab.id, datasetId: lab.datasetIds.jpg, bytesEach: 32 * 1024 });
  await seedCohort({ labId: lab.lab.id, datasetId: lab.datasetIds.jpg, createdBy: lab.researcher.id, name: "slow" });
  const root = mkdtempSync(path.join(tmpdir(), "labgate-pull-"));
  return { files, root };
}
const slowPull = (token: string, dir: string, url: string) => runCli(["pull", "slow", "--to", dir, "--concurrency", "1", "--limit-rate", "32k", "--dataset", `${E2E_JPG.slug}/${E2E_JPG.version}`], { url, token });
const fetched = (dir: string) => filesUnder(dir).filter((f) => f.endsWith(".jpg"));

test("revoking the token stops a running pull at its next request, audited", async ({ page, lab, login, baseURL }) => {
  await login("researcher");
  const { files, root } = await slowPullSetup(lab);
  try {
    const token = await createTokenInBrowser(page, "revoked mid-pull");
    const a = path.join(root, "a");
    const pull = slowPull(token, a, baseURL!);
    await expect.poll(() => fetched(a).length, { timeout: 30_000 }).toBeGreaterThan(0);
    // The owner revokes it on the tokens page while the pull runs.
    await page.reload();
    await page.getByTestId("own-tokens").locator("tr", { hasText: "revoked mid-pull" }).getByRole("button", { name: "Revoke" }).click();
    await expect(page.getByTestId("own-tokens").locator("tr", { hasText: "revoked mid-pull" })).toContainText("revoked");
    expect(await pull.code, pull.out()).toBe(3);
    expect(pull.out()).toContain("refused (401): This access token is revoked");
    expect(fetched(a).length).toBeLessThan(files.length);
    const [revoked] = await testDb().select({ id: schema.apiTokens.id }).from(schema.apiTokens).where(and(eq(schema.apiTokens.userId, lab.researcher.id), eq(schema.apiTokens.name, "revoked mid-pull")));
    const denied = await testDb().select().from(schema.auditLog).where(and(eq(schema.auditLog.action, "token.use"), eq(schema.auditLog.targetId, revoked!.id)));
    expect(denied.map((r) => [r.outcome, (r.details as { reason: string }).reason])).toContainEqual(["denied", "revoked"]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("ending the member's access stops a running pull at its next request, audited with the token", async ({ page, lab, login, baseURL }) => {
  await login("researcher");
  const { files, root } = await slowPullSetup(lab);
  try {
    const token = await createTokenInBrowser(page, "access ends mid-pull");
    const b = path.join(root, "b");
    const pull = slowPull(token, b, baseURL!);
    await expect.poll(() => fetched(b).length, { timeout: 30_000 }).toBeGreaterThan(0);
    // A steward's revocation of the grant, as the access matrix records it.
    await testDb().update(schema.accessGrants).set({ status: "revoked", reason: "e2e: access ended", decidedBy: lab.steward.id, decidedAt: new Date() }).where(and(eq(schema.accessGrants.userId, lab.researcher.id), eq(schema.accessGrants.datasetId, lab.datasetIds.jpg)));
    expect(await pull.code, pull.out()).toBe(3);
    expect(pull.out()).toContain("refused (403)");
    expect(fetched(b).length).toBeLessThan(files.length);
    const [t] = await testDb().select({ id: schema.apiTokens.id }).from(schema.apiTokens).where(and(eq(schema.apiTokens.userId, lab.researcher.id), eq(schema.apiTokens.name, "access ends mid-pull")));
    const refused = await testDb().execute<{ n: string }>(sql`select count(*) as n from audit_log where action = 'dataset.access' and outcome = 'denied' and actor_id = ${lab.researcher.id} and details->>'tokenId' = ${t!.id}`);
    expect(Number(refused.rows[0]!.n)).toBeGreaterThan(0);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
