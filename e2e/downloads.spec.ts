import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import * as schema from "@/db/schema";
import { writeSha256Sums } from "@/lib/physionet/sha256-sums";
import { startUpstream, type Upstream } from "@/lib/physionet/upstream/start-upstream";
import { spawnDownloadWorker } from "@/tests/downloads/spawn-worker";
import { miniJpgFiles, miniStudies, writeMini } from "@/tests/mimic/mini-mimic";
import { E2E_STORAGE_DIR } from "../playwright.config";
import { testDb } from "./support/db";
import { expect, test } from "./support/fixtures";
import { E2E_JPG } from "./support/mimic-data";

// The whole path a researcher takes: a cohort in the explorer → "Download these images" → the
// worker lists and estimates → start → live progress → verified files read back through labgate.
// PhysioNet is the test upstream on loopback; the worker is a real worker process (pg-boss).
test.describe.configure({ mode: "serial" });

const PN_PASSWORD = "pn-e2e-pass word:#1";
const folder = (s: { subject: number; study: number }) => `files/p${String(s.subject).slice(0, 2)}/p${s.subject}/s${s.study}`;

let root: string;
let upstream: Upstream | undefined;
let worker: ChildProcess | undefined;
const workerLog: string[] = [];

test.afterAll(async () => {
  worker?.kill("SIGTERM");
  await upstream?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

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
