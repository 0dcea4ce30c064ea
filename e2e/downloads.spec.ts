import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import * as schema from "@/db/schema";
import { writeSha256Sums } from "@/lib/physionet/sha256-sums";
import { startMirrorServer, type MirrorServer } from "@/lib/physionet/upstream/mirror-server";
import { startUpstream, type Upstream } from "@/lib/physionet/upstream/start-upstream";
import { spawnDownloadWorker } from "@/tests/downloads/spawn-worker";
import { miniJpgFiles, miniStudies, writeMini } from "@/tests/mimic/mini-mimic";
import { E2E_MIRROR_URL, E2E_STORAGE_DIR } from "../playwright.config";
import { testDb } from "./support/db";
import { expect, test } from "./support/fixtures";
import { E2E_JPG } from "./support/mimic-data";

// The whole path a researcher takes: a cohort in the explorer → "Download these images" → the
// worker lists and estimates → start → live progress → verified files read back through labgate.
// PhysioNet is the test upstream on loopback; the worker is a real worker process (pg-boss).
// One file, in series: a worker takes any queued job of the database, so two specs' workers, each
// knowing only its own upstream, would prepare each other's jobs against the wrong server.
test.describe.configure({ mode: "serial" });

const PN_PASSWORD = "pn-e2e-pass word:#1";
const folder = (s: { subject: number; study: number }) => `files/p${String(s.subject).slice(0, 2)}/p${s.subject}/s${s.study}`;

let root: string;
let mirrorRoot: string | undefined;
let upstream: Upstream | undefined;
let mirror: MirrorServer | undefined;
let worker: ChildProcess | undefined;
const workerLog: string[] = [];

test.afterAll(async () => {
  await stopWorker();
  await upstream?.close();
  await mirror?.close();
  for (const dir of [root, mirrorRoot]) if (dir) rmSync(dir, { recursive: true, force: true });
});

async function stopWorker() {
  const w = worker;
  worker = undefined;
  if (!w || w.exitCode !== null || w.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    w.once("exit", () => resolve());
    w.kill("SIGTERM");
  });
}

async function startWorker(baseUrl: string) {
  worker = await spawnDownloadWorker({
    env: {
      ...process.env,
      // The worker connects as the app does, as the app's database role (playwright.config.ts).
      DATABASE_URL: process.env.E2E_APP_DATABASE_URL ?? process.env.DATABASE_URL,
      NODE_ENV: "production",
      NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET ?? "e2e-secret-e2e-secret-e2e-secret-e2e-0",
      LABGATE_STORAGE_DIR: E2E_STORAGE_DIR,
      PHYSIONET_BASE_URL: baseUrl,
    },
    log: workerLog,
  });
}

test("a researcher downloads a cohort's images into lab storage, watches it finish and reads a file back", async ({ page, lab, login }) => {
  test.setTimeout(180_000);
  const db = testDb();
  const [account] = await db.select({ username: schema.physionetAccounts.username }).from(schema.physionetAccounts).where(eq(schema.physionetAccounts.userId, lab.researcher.id));
  // A MIMIC-CXR-JPG 2.0.0 served like PhysioNet: the mini metadata the explorer imported, and an image for every study.
  root = mkdtempSync(path.join(tmpdir(), "labgate-e2e-upstream-"));
  const images = miniStudies().flatMap((s) => s.images.map((im) => `${folder(s)}/${im.dicom}.jpg`));
  const bytes = Object.fromEntries(images.map((p) => [p, randomBytes(150_000)]));
  writeMini(root, miniJpgFiles(), { sums: false, localImages: images, imageBytes: bytes });
  await writeSha256Sums({ root });
  upstream = await startUpstream({
    projects: [{ slug: E2E_JPG.slug, version: E2E_JPG.version, root }],
    accounts: [{ username: account!.username, password: PN_PASSWORD, access: [{ slug: E2E_JPG.slug, version: E2E_JPG.version }] }],
    port: 0,
    throttleBytesPerSecond: 200_000,
  });
  await startWorker(upstream.url);

  await login("researcher");
  await page.goto(`/datasets/${E2E_JPG.slug}/${E2E_JPG.version}?view=LATERAL`);
  await page.getByPlaceholder("Cohort name").fill("Laterals");
  await page.getByRole("button", { name: "Save cohort" }).click();
  const row = page.getByTestId("cohort-row").filter({ hasText: "Laterals" });
  await row.getByRole("link", { name: "Download these images" }).click();

  await expect(page.getByRole("heading", { name: "New download" })).toBeVisible();
  await expect(page.getByRole("combobox", { name: "Cohort" })).toHaveValue(/.+/);
  await expect(page.getByRole("combobox", { name: "Cohort" }).locator("option:checked")).toHaveText(/Laterals/);
  await page.getByLabel(/^PhysioNet password/).fill(PN_PASSWORD);
  await page.getByRole("button", { name: "Prepare download" }).click();

  await expect(page.getByTestId("job-state")).toHaveText("ready to start", { timeout: 60_000 });
  const laterals = miniStudies().filter((s) => s.images.some((im) => im.view === "LATERAL"));
  const wanted = laterals.flatMap((s) => s.images.map((im) => `${folder(s)}/${im.dicom}.jpg`));
  await expect(page.getByTestId("job-estimate")).toContainText(`Ready: ${wanted.length} files`);
  await expect(page.getByTestId("job-estimate")).toContainText("lab storage has");
  await page.getByRole("button", { name: "Start download" }).click();

  // Live progress while it runs, then the outcome.
  await expect(page.getByTestId("job-state")).toHaveText("downloading");
  await expect(page.getByTestId("job-rate")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId("job-eta")).toBeVisible();
  await expect(page.getByTestId("job-state")).toHaveText("completed", { timeout: 90_000 });
  await expect(page.getByTestId("job-files")).toHaveText(`${wanted.length} of ${wanted.length} files verified`);

  // Read back through labgate: whole, and a range; never cached.
  const file = wanted[0]!;
  const whole = await page.request.get(`/api/downloads/files/${E2E_JPG.slug}/${E2E_JPG.version}/${file}`);
  expect(whole.status()).toBe(200);
  expect(Buffer.from(await whole.body()).equals(bytes[file]!)).toBe(true);
  expect(whole.headers()["cache-control"]).toContain("no-store");
  const part = await page.request.get(`/api/downloads/files/${E2E_JPG.slug}/${E2E_JPG.version}/${file}`, { headers: { range: "bytes=100-199" } });
  expect(part.status()).toBe(206);
  expect(part.headers()["content-range"]).toBe(`bytes 100-199/${bytes[file]!.length}`);
  expect(Buffer.from(await part.body()).equals(bytes[file]!.subarray(100, 200))).toBe(true);
  expect(readFileSync(path.join(E2E_STORAGE_DIR, "downloads", E2E_JPG.slug, E2E_JPG.version, file)).equals(bytes[file]!)).toBe(true);
  const reads = await db.select().from(schema.auditLog).where(and(eq(schema.auditLog.labId, lab.lab.id), eq(schema.auditLog.action, "download.read")));
  expect(reads.length).toBe(2);

  await page.goto("/downloads");
  await expect(page.getByTestId("downloads")).toContainText("Images of cohort “Laterals”");
  await expect(page.getByTestId("downloads")).toContainText("completed");
  await expect(page.getByTestId("storage-usage")).toContainText(`in ${wanted.length} verified files`);
});

test("a member without access can neither start a download nor read a file", async ({ page, lab, login }) => {
  const [dataset] = await testDb().select({ id: schema.datasets.id }).from(schema.datasets).where(and(eq(schema.datasets.slug, E2E_JPG.slug), eq(schema.datasets.version, E2E_JPG.version)));
  await login("member");
  const create = await page.request.post("/api/downloads", {
    data: { datasetId: dataset!.id, selection: { mode: "filter", metadata: true, reports: false, images: "none", other: false, studies: { kind: "all" } }, password: "whatever", concurrency: 4 },
  });
  expect(create.status()).toBe(403);
  expect(((await create.json()) as { error: string }).error).toBe("You do not hold access to this dataset version, so you cannot download it");
  const read = await page.request.get(`/api/downloads/files/${E2E_JPG.slug}/${E2E_JPG.version}/mimic-cxr-2.0.0-metadata.csv.gz`);
  expect(read.status()).toBe(403);
  await page.goto("/downloads/new");
  await expect(page.getByText("You hold access to no dataset version of your lab")).toBeVisible();
  const denied = await testDb().select().from(schema.auditLog).where(and(eq(schema.auditLog.labId, lab.lab.id), eq(schema.auditLog.outcome, "denied")));
  expect(denied.map((d) => d.action).sort()).toEqual(["dataset.access", "download.create"]);
});

// PhysioNet's cloud mirror (decision 032), the whole way in the browser: the researcher records an
// AWS identity on the checklist, is refused with PhysioNet's reason for keys the bucket policy does
// not list, verifies with the right ones, downloads a cohort from the mirror into lab storage with a
// real worker process, and the audit log names the source and the identity.

const KEYS = { accessKeyId: "AKIAE2ERESEARCHER001", secretAccessKey: "e2e-mirror-secret/0123456789+abc" };
const OUTSIDER = { accessKeyId: "AKIAE2EOUTSIDER00001", secretAccessKey: "e2e-outsider-secret-0123456789" };

test("a researcher with a verified AWS identity downloads a cohort from the cloud mirror; other keys are refused with PhysioNet's reason", async ({ page, lab, login }) => {
  test.setTimeout(180_000);
  mirrorRoot = mkdtempSync(path.join(tmpdir(), "labgate-e2e-mirror-"));
  const images = miniStudies().flatMap((s) => s.images.map((im) => `${folder(s)}/${im.dicom}.jpg`));
  const bytes = Object.fromEntries(images.map((p) => [p, randomBytes(120_000)]));
  writeMini(mirrorRoot, miniJpgFiles(), { sums: false, localImages: images, imageBytes: bytes });
  await writeSha256Sums({ root: mirrorRoot });
  const port = Number(new URL(E2E_MIRROR_URL).port);
  mirror = await startMirrorServer({
    port,
    buckets: [{ name: `${E2E_JPG.slug}-${E2E_JPG.version.replace(/\./g, "-")}`, root: mirrorRoot, allow: [KEYS.accessKeyId] }],
    keys: { [KEYS.accessKeyId]: KEYS.secretAccessKey, [OUTSIDER.accessKeyId]: OUTSIDER.secretAccessKey },
    throttleBytesPerSecond: 300_000,
  });
  // The first test's worker knows only its PhysioNet upstream: a job of this test must not reach it.
  await stopWorker();
  worker = await spawnDownloadWorker({
    env: {
      ...process.env,
      DATABASE_URL: process.env.E2E_APP_DATABASE_URL ?? process.env.DATABASE_URL,
      NODE_ENV: "production",
      NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET ?? "e2e-secret-e2e-secret-e2e-secret-e2e-0",
      LABGATE_STORAGE_DIR: E2E_STORAGE_DIR,
      LABGATE_MIRROR_AWS_ENDPOINT: E2E_MIRROR_URL,
    },
    log: workerLog,
  });

  await login("researcher");
  await page.goto("/credentialing");
  const card = page.getByTestId(`dataset-${E2E_JPG.slug}-${E2E_JPG.version}`);
  const form = card.getByRole("form", { name: /with the cloud mirror/ });
  await form.getByLabel("AWS account id or IAM user ARN").fill("arn:aws:iam::123456789012:user/rae");
  // Keys PhysioNet did not add to the bucket policy: refused, with PhysioNet's reason.
  await form.getByLabel("Access key id").fill(OUTSIDER.accessKeyId);
  await form.getByLabel("Secret").fill(OUTSIDER.secretAccessKey);
  await form.getByRole("button", { name: "Verify with the mirror" }).click();
  await expect(form.getByRole("status")).toContainText("The mirror refused access (HTTP 403): PhysioNet has not granted this cloud identity");
  await form.getByLabel("Access key id").fill(KEYS.accessKeyId);
  await form.getByLabel("Secret").fill(KEYS.secretAccessKey);
  await form.getByRole("button", { name: "Verify with the mirror" }).click();
  await expect(form.getByRole("status")).toContainText("(HTTP 200)");
  await expect(form.getByTestId("mirror-evidence")).toContainText("HTTP 200 (confirmed) for arn:aws:iam::123456789012:user/rae");

  await page.goto(`/datasets/${E2E_JPG.slug}/${E2E_JPG.version}?view=LATERAL`);
  await page.getByPlaceholder("Cohort name").fill("Mirror laterals");
  await page.getByRole("button", { name: "Save cohort" }).click();
  await page.getByTestId("cohort-row").filter({ hasText: "Mirror laterals" }).getByRole("link", { name: "Download these images" }).click();
  await expect(page.getByRole("heading", { name: "New download" })).toBeVisible();
  await page.getByLabel("PhysioNet's cloud mirror").check();
  await page.getByLabel(/^Access key id/).fill(KEYS.accessKeyId);
  await page.getByLabel(/^Secret/).fill(KEYS.secretAccessKey);
  await page.getByRole("button", { name: "Prepare download" }).click();

  await expect(page.getByTestId("job-state")).toHaveText("ready to start", { timeout: 60_000 });
  await expect(page.getByTestId("job-source")).toHaveText("from PhysioNet's cloud mirror as AWS arn:aws:iam::123456789012:user/rae");
  const laterals = miniStudies().filter((s) => s.images.some((im) => im.view === "LATERAL"));
  const wanted = laterals.flatMap((s) => s.images.map((im) => `${folder(s)}/${im.dicom}.jpg`));
  await expect(page.getByTestId("job-estimate")).toContainText(`Ready: ${wanted.length} files`);
  await expect(page.getByTestId("estimate-mirror")).toContainText("Cloud mirror (this download)");
  await page.getByRole("button", { name: "Start download" }).click();
  await expect(page.getByTestId("job-state")).toHaveText("completed", { timeout: 90_000 });
  await expect(page.getByTestId("job-files")).toHaveText(`${wanted.length} of ${wanted.length} files verified`);

  const file = wanted[0]!;
  const whole = await page.request.get(`/api/downloads/files/${E2E_JPG.slug}/${E2E_JPG.version}/${file}`);
  expect(whole.status()).toBe(200);
  expect(Buffer.from(await whole.body()).equals(bytes[file]!)).toBe(true);
  expect(readFileSync(path.join(E2E_STORAGE_DIR, "downloads", E2E_JPG.slug, E2E_JPG.version, file)).equals(bytes[file]!)).toBe(true);
  expect(mirror.stats.readers).toEqual(new Set([KEYS.accessKeyId]));

  // The audit log: which source and whose identity fetched the job; never a key.
  const db = testDb();
  const rows = await db.select().from(schema.auditLog).where(eq(schema.auditLog.labId, lab.lab.id));
  const created = rows.find((r) => r.action === "download.create");
  expect(created?.details).toMatchObject({ source: "mirror", cloudProvider: "aws", cloudIdentity: "arn:aws:iam::123456789012:user/rae" });
  expect(rows.filter((r) => r.action === "mirror.verify").map((r) => r.outcome).sort()).toEqual(["denied", "ok"]);
  expect(JSON.stringify(rows)).not.toContain(KEYS.secretAccessKey);
  expect(workerLog.join("")).not.toContain(KEYS.secretAccessKey);
  const [identity] = await db.select().from(schema.cloudIdentities).where(and(eq(schema.cloudIdentities.userId, lab.researcher.id)));
  expect(identity?.keysCiphertext).toBeNull();
});
