import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import * as schema from "@/db/schema";
import { writeSha256Sums } from "@/lib/physionet/sha256-sums";
import { startMirrorServer, type MirrorServer } from "@/lib/physionet/upstream/mirror-server";
import { spawnDownloadWorker } from "@/tests/downloads/spawn-worker";
import { miniJpgFiles, miniStudies, writeMini } from "@/tests/mimic/mini-mimic";
import { E2E_MIRROR_URL, E2E_STORAGE_DIR } from "../playwright.config";
import { testDb } from "./support/db";
import { expect, test } from "./support/fixtures";
import { E2E_JPG } from "./support/mimic-data";

// PhysioNet's cloud mirror (decision 032), the whole way in the browser: the researcher records an
// AWS identity on the checklist, is refused with PhysioNet's reason for keys the bucket policy does
// not list, verifies with the right ones, downloads a cohort from the mirror into lab storage with a
// real worker process, and the audit log names the source and the identity.

const KEYS = { accessKeyId: "AKIAE2ERESEARCHER001", secretAccessKey: "e2e-mirror-secret/0123456789+abc" };
const OUTSIDER = { accessKeyId: "AKIAE2EOUTSIDER00001", secretAccessKey: "e2e-outsider-secret-0123456789" };
const folder = (s: { subject: number; study: number }) => `files/p${String(s.subject).slice(0, 2)}/p${s.subject}/s${s.study}`;

let root: string | undefined;
let mirror: MirrorServer | undefined;
let worker: ChildProcess | undefined;
const workerLog: string[] = [];

test.afterAll(async () => {
  worker?.kill("SIGTERM");
  await mirror?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

test("a researcher with a verified AWS identity downloads a cohort from the cloud mirror; other keys are refused with PhysioNet's reason", async ({ page, lab, login }) => {
  test.setTimeout(180_000);
  root = mkdtempSync(path.join(tmpdir(), "labgate-e2e-mirror-"));
  const images = miniStudies().flatMap((s) => s.images.map((im) => `${folder(s)}/${im.dicom}.jpg`));
  const bytes = Object.fromEntries(images.map((p) => [p, randomBytes(120_000)]));
  writeMini(root, miniJpgFiles(), { sums: false, localImages: images, imageBytes: bytes });
  await writeSha256Sums({ root });
  const port = Number(new URL(E2E_MIRROR_URL).port);
  mirror = await startMirrorServer({
    port,
    buckets: [{ name: `${E2E_JPG.slug}-${E2E_JPG.version.replace(/\./g, "-")}`, root, allow: [KEYS.accessKeyId] }],
    keys: { [KEYS.accessKeyId]: KEYS.secretAccessKey, [OUTSIDER.accessKeyId]: OUTSIDER.secretAccessKey },
    throttleBytesPerSecond: 300_000,
  });
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
